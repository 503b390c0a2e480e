/* The agent's chosen theme (light, dark or the system's), applied before the page paints. */
(function () {
  "use strict";
  try {
    const theme = localStorage.getItem("murmur.theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage blocked: follow the system */ }
})();
