/* The audit log: filter by who, object, action and dates; page back with "Older entries". */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (s) => document.querySelector(s);
  let next = null;

  function params() {
    const p = new URLSearchParams({ limit: "50" });
    if ($("#f-actor").value) p.set("actor_id", $("#f-actor").value);
    if ($("#f-target").value.trim()) p.set("target", $("#f-target").value.trim());
    if ($("#f-action").value.trim()) p.set("action", $("#f-action").value.trim());
    if ($("#f-since").value) p.set("since", $("#f-since").value + "T00:00:00Z");
    if ($("#f-until").value) {
      const d = new Date($("#f-until").value + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() + 1);  // "until" the end of that day
      p.set("until", d.toISOString());
    }
    return p;
  }

  function row(e) {
    const details = Object.keys(e.details).length ? JSON.stringify(e.details) : "";
    return el("tr", { "data-entry": String(e.id) },
      el("td", { text: e.at.replace("T", " ").slice(0, 19) }),
      el("td", { text: e.actor ? e.actor.name : "system" }),
      el("td", { class: "action", text: e.action }),
      el("td", { text: e.target }),
      el("td", {}, el("pre", { class: "details", text: details })));
  }

  async function load(more) {
    const p = params();
    if (more && next) p.set("before_id", String(next));
    try {
      const data = await api("/api/admin/audit?" + p.toString());
      const rows = data.entries.map(row);
      if (more) $("#audit-rows").append(...rows); else $("#audit-rows").replaceChildren(...rows);
      next = data.next_before_id;
      $("#audit-more").hidden = !next;
      $("#audit-result").textContent = !more && !rows.length ? t("No entries match.") : "";
      $("#audit-result").classList.remove("bad");
    } catch (e) {
      $("#audit-result").textContent = e.message;
      $("#audit-result").classList.add("bad");
    }
  }

  api("/api/admin/agents").then((d) => {
    $("#f-actor").append(...d.agents.map((a) => el("option", { value: String(a.id), text: a.name })));
  }).catch(() => {});
  $("#audit-filter").addEventListener("submit", (ev) => { ev.preventDefault(); load(false); });
  $("#audit-more").addEventListener("click", () => load(true));
  load(false);
})();
