// The app shell: on a phone the navigation, the signed-in user and sign-out fold behind one button;
// on a desktop the admin pages sit behind one "Admin" button so the bar stays one line.
(function () {
  "use strict";
  function disclosure(toggle, panel) {
    if (!toggle || !panel) return;
    function set(open) {
      toggle.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("open", open);
    }
    toggle.addEventListener("click", (ev) => { ev.stopPropagation(); set(toggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && panel.classList.contains("open")) { set(false); toggle.focus(); }
    });
    document.addEventListener("click", (ev) => {
      if (panel.classList.contains("open") && !panel.contains(ev.target)) set(false);
    });
  }
  disclosure(document.getElementById("nav-toggle"), document.getElementById("shell-menu"));
  disclosure(document.getElementById("admin-toggle"), document.getElementById("admin-nav"));
  // the language switcher changes on choice; its button is for browsers without script
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    const go = select.form && select.form.querySelector(".language-go");
    if (go) go.hidden = true;
    select.addEventListener("change", () => select.form.submit());
  });
})();
