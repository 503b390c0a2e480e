/* Murmur's website chat: paste
 *   <script src="https://murmur.example/widget/loader.js" data-murmur-widget="7" async></script>
 * A bubble opens Murmur's chat in an iframe; Murmur refuses to be framed by origins the admin did
 * not allow. A signed-in user is passed as window.murmurUser = {user_id, user_hash, name, email}
 * (user_hash: HMAC-SHA256 of user_id with the widget's identity secret, computed on your server).
 * No dependencies; nothing of the host page is read beyond that object and the page's language. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-murmur-widget]");
  if (!script || window.__murmurWidget) return;
  window.__murmurWidget = true;
  var channel = script.getAttribute("data-murmur-widget");
  var origin = new URL(script.src, location.href).origin;
  var colour = /^#[0-9a-fA-F]{6}$/.test(script.getAttribute("data-colour") || "") ? script.getAttribute("data-colour") : "#2563eb";

  function language() {
    var wanted = script.getAttribute("data-lang") || (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    wanted = wanted.toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(wanted)) return "zh-Hant";
    if (/^zh/.test(wanted)) return "zh-Hans";
    if (/^th/.test(wanted)) return "th";
    return "en";
  }

  // the bubble's name for screen readers, in the visitor's language (the chat itself is translated by Murmur)
  var LABEL = { en: "Chat with us", "zh-Hant": "與我們聊聊", "zh-Hans": "与我们聊聊", th: "แชทกับเรา" };
  var bubble = document.createElement("button");
  bubble.type = "button";
  bubble.id = "murmur-bubble";
  bubble.setAttribute("aria-label", LABEL[language()]);
  bubble.setAttribute("aria-expanded", "false");
  bubble.textContent = "💬";
  var b = bubble.style;
  b.position = "fixed"; b.right = "20px"; b.bottom = "20px"; b.width = "56px"; b.height = "56px";
  b.borderRadius = "50%"; b.border = "0"; b.background = colour; b.color = "#fff"; b.fontSize = "26px";
  b.cursor = "pointer"; b.boxShadow = "0 4px 14px rgba(0,0,0,.25)"; b.zIndex = "2147483646";

  var frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "murmur-frame";
      frame.title = LABEL[language()];
      frame.src = origin + "/widget/" + encodeURIComponent(channel) + "/frame?lang=" + language();
      var f = frame.style;
      f.position = "fixed"; f.border = "0"; f.zIndex = "2147483647"; f.background = "#fff";
      f.boxShadow = "0 8px 30px rgba(0,0,0,.3)"; f.borderRadius = "12px";
      if (window.innerWidth < 500) { f.left = "0"; f.top = "0"; f.width = "100%"; f.height = "100%"; f.borderRadius = "0"; }
      else { f.right = "20px"; f.bottom = "88px"; f.width = "370px"; f.height = "min(560px, calc(100vh - 110px))"; }
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    bubble.setAttribute("aria-expanded", "true");
  }
  function close() {
    if (frame) frame.style.display = "none";
    bubble.setAttribute("aria-expanded", "false");
    bubble.focus();
  }
  bubble.addEventListener("click", function () { (frame && frame.style.display !== "none") ? close() : open(); });
  window.addEventListener("message", function (ev) {
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin || !ev.data) return;
    if (ev.data.murmur === "ready") frame.contentWindow.postMessage({ murmur: "identify", user: window.murmurUser || null }, origin);
    if (ev.data.murmur === "close") close();
  });
  function mount() { document.body.appendChild(bubble); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
