/* Outbound webhooks: subscriptions (the secret shown once) and the delivery log with replay. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (s) => document.querySelector(s);
  const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 19) : "—");

  function say(sel, text, bad) {
    $(sel).replaceChildren(el("span", { text, class: bad ? "bad" : "" }));
  }

  function subRow(s) {
    const del = el("button", { type: "button", text: t("Remove"), "aria-label": t("Remove {name}", { name: s.name }) });
    del.addEventListener("click", async () => {
      if (!window.confirm(t("Remove the subscription {name}?", { name: s.name }))) return;
      try { await api("/api/webhooks/" + s.id, "DELETE"); say("#sub-result", t("Removed {name}.", { name: s.name })); await loadSubs(); }
      catch (e) { say("#sub-result", e.message, true); }
    });
    return el("tr", {}, el("th", { scope: "row", text: s.name }), el("td", { text: s.url }),
      el("td", {}, ...s.events.map((e) => el("span", { class: "tag", text: e }))), el("td", {}, del));
  }

  function deliveryRow(d) {
    const replay = el("button", { type: "button", text: t("Replay"), "aria-label": t("Replay delivery {id}", { id: d.id }) });
    replay.addEventListener("click", async () => {
      try { const r = await api("/api/webhooks/deliveries/" + d.id + "/replay", "POST"); say("#delivery-result", t("Queued again as delivery {id}.", { id: r.id })); await loadDeliveries(); }
      catch (e) { say("#delivery-result", e.message, true); }
    });
    const answer = d.error || (d.response_status ? "HTTP " + d.response_status : "—");
    return el("tr", { "data-delivery": String(d.id) }, el("td", { text: when(d.created_at) }), el("td", { text: d.event }),
      el("td", { text: d.url }), el("td", { text: { queued: t("queued"), sent: t("sent"), failed: t("failed") }[d.status] || d.status }), el("td", { class: "num", text: String(d.attempts) }),
      el("td", { text: answer }), el("td", {}, replay));
  }

  async function loadSubs() {
    $("#sub-rows").replaceChildren(...(await api("/api/webhooks")).subscriptions.map(subRow));
  }
  async function loadDeliveries() {
    const status = $("#delivery-status").value;
    const data = await api("/api/webhooks/deliveries?limit=100" + (status ? "&status=" + status : ""));
    $("#delivery-rows").replaceChildren(...data.deliveries.map(deliveryRow));
    if (!data.deliveries.length) say("#delivery-result", t("No deliveries yet."));
  }

  $("#sub-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const events = [...$("#sub-events").selectedOptions].map((o) => o.value);
    try {
      const s = await api("/api/webhooks", "POST", { name: $("#sub-name").value.trim(), url: $("#sub-url").value.trim(), events });
      $("#sub-result").replaceChildren(el("p", { text: t("Subscribed. The signing secret, shown only now:") }),
        el("p", { class: "secret-once", text: s.secret || "" }));
      $("#sub-form").reset();
      await loadSubs();
    } catch (e) { say("#sub-result", e.message, true); }
  });
  $("#delivery-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadDeliveries().catch((e) => say("#delivery-result", e.message, true)); });

  loadSubs().catch((e) => say("#sub-result", e.message, true));
  loadDeliveries().catch((e) => say("#delivery-result", e.message, true));
})();
