/* The browser's gettext: t("Assign to {name}", {name}) looks the English msgid up in the page's catalogue
   (window.MURMUR_CATALOG, filled from the compiled Babel catalogue by the interface-languages work) and
   fills {placeholders}; a missing entry falls back to the English text. */
(function () {
  "use strict";
  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : whole;
    });
  }
  window.t = function (msgid, vars) {
    var catalog = window.MURMUR_CATALOG || {};
    var text = Object.prototype.hasOwnProperty.call(catalog, msgid) && catalog[msgid] ? catalog[msgid] : msgid;
    return fill(text, vars);
  };
})();
