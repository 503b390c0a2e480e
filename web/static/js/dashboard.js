// The live dashboard: a spike alert appears at once; new messages refresh the figures (throttled).
// CSP: no inline script; user text only ever goes through textContent.
(function () {
  "use strict";
  var figures = document.getElementById("figures");
  var alerts = document.getElementById("live-alerts");
  var live = document.getElementById("live");
  if (!figures || typeof io === "undefined") return;
  var query = figures.getAttribute("data-query") || "";
  var REFRESH_MS = 5000;
  var timer = null;
  var last = 0;

  function refresh() {
    timer = null;
    last = Date.now();
    fetch("/dashboard/figures?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        // Server-rendered and escaped by Jinja; parsed inert, then moved in.
        var doc = new DOMParser().parseFromString("<main>" + html + "</main>", "text/html");
        figures.replaceChildren.apply(figures, Array.prototype.slice.call(doc.body.firstChild.childNodes));
      })
      .catch(function () {});
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(refresh, Math.max(0, REFRESH_MS - (Date.now() - last)));
  }

  function showAlert(a) {
    var box = document.createElement("div");
    box.className = "spike";
    box.setAttribute("data-alert-id", String(a.id));
    var link = document.createElement("a");
    link.className = "spike-link";
    link.href = "/dashboard/messages?alert=" + encodeURIComponent(a.id);
    link.textContent = t("Spike on {channel}: {n} negative messages", { channel: a.channel, n: a.count });
    var why = document.createElement("small");
    why.textContent = " " + a.reason;
    box.appendChild(link);
    box.appendChild(why);
    alerts.prepend(box);
  }

  var socket = io({ transports: ["websocket"] });
  socket.on("connect", function () { live.textContent = t("live"); live.className = "live online"; });
  socket.on("disconnect", function () { live.textContent = t("offline"); live.className = "live"; });
  socket.on("alert.spike", function (a) { showAlert(a); schedule(); });
  socket.on("message.created", schedule);
})();
