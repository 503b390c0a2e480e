// The demo's sign-in page: a role's button fills its email and password (demo servers only).
(function () {
  "use strict";
  document.querySelectorAll(".demo-fill").forEach((b) => b.addEventListener("click", () => {
    document.getElementById("email").value = b.dataset.email;
    document.getElementById("password").value = b.dataset.password;
    document.getElementById("password").focus();
  }));
})();
