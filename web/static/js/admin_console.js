/* Shared by the admin console's pages: on a phone each table row becomes a card, so every cell
 * carries its column's name (data-label, shown by admin_console.css), kept up as rows are redrawn. */
(function () {
  "use strict";
  function label(table) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => { if (names[i]) cell.setAttribute("data-label", names[i]); });
    }
  }
  for (const table of document.querySelectorAll(".console table")) {
    label(table);
    new MutationObserver(() => label(table)).observe(table.querySelector("tbody"), { childList: true });
  }
})();
