/* Agents' presence and load at a glance, live: GET /api/agents/presence, then `agent.presence`
 * events over Socket.IO move the dots at once; conversation events refresh the load (throttled).
 * Used by /team (cards and a change log) and by /rules (a compact panel). textContent only. */
(function () {
  "use strict";
  const board = document.getElementById("presence-board");
  if (!board) return;
  const choicesNode = document.getElementById("choices");
  const teams = new Map((choicesNode ? JSON.parse(choicesNode.textContent).teams : []).map((t) => [t.id, t.name]));
  const log = document.getElementById("presence-log");
  const agents = new Map();
  const ORDER = { online: 0, away: 1, offline: 2 };
  const PRESENCE = { online: t("online"), away: t("away"), offline: t("offline") };
  const ROLES = { agent: t("agent"), supervisor: t("supervisor"), admin: t("admin") };

  const { el } = window.murmur;

  function render() {
    const rows = [...agents.values()].sort((a, b) =>
      (ORDER[a.presence] ?? 3) - (ORDER[b.presence] ?? 3) || a.name.localeCompare(b.name));
    board.replaceChildren(...rows.map((a) => {
      const full = a.capacity > 0 && a.open >= a.capacity;
      const meter = el("meter", { min: "0", max: String(Math.max(a.capacity, 1)), low: String(Math.max(a.capacity, 1) * 0.7),
        high: String(Math.max(a.capacity, 1) * 0.9), optimum: "0", value: String(a.open), "aria-label": t("{name}: load", { name: a.name }) });
      return el("li", { class: `agent-card ${a.presence}`, "data-agent": String(a.id) },
        el("span", { class: `dot ${a.presence}`, title: PRESENCE[a.presence] || a.presence, "aria-hidden": "true" }),
        el("span", { class: "agent-name", text: a.name }),
        el("span", { class: `presence ${a.presence}`, text: PRESENCE[a.presence] || a.presence }),
        el("span", { class: "load" + (full ? " full" : ""), text: t("{open} / {capacity} open", { open: a.open, capacity: a.capacity }) }),
        meter,
        el("span", { class: "agent-meta muted",
          text: [ROLES[a.role] || a.role, (a.teams || []).map((id) => teams.get(id) || t("team {id}", { id })).join(", "),
            (a.languages || []).join(" ")].filter(Boolean).join(" · ") }));
    }));
    if (!rows.length) board.append(el("li", { class: "empty", text: t("No agents.") }));
    const counts = { online: 0, away: 0, offline: 0 };
    rows.forEach((a) => { counts[a.presence] = (counts[a.presence] || 0) + 1; });
    const summary = document.getElementById("presence-summary");
    if (summary) summary.textContent = t("{online} online · {away} away · {offline} offline", counts);
  }

  async function load() {
    const res = await fetch("/api/agents/presence", { headers: { Accept: "application/json" } });
    if (!res.ok) return;
    const data = await res.json();
    agents.clear();
    data.agents.forEach((a) => agents.set(a.id, a));
    render();
  }

  let timer = null;
  function soon() { if (!timer) timer = setTimeout(() => { timer = null; load(); }, 1500); }

  const socket = window.io ? window.io({ transports: ["websocket"] }) : null;
  const conn = document.getElementById("connection");
  if (socket) {
    socket.on("connect", () => { if (conn) { conn.textContent = t("live"); conn.className = "conn online"; } load(); });
    socket.on("disconnect", () => { if (conn) { conn.textContent = t("offline"); conn.className = "conn offline"; } });
    socket.on("agent.presence", (e) => {
      const a = agents.get(e.agent_id);
      if (a) { a.presence = e.presence; render(); } else soon();
      if (log) {
        log.prepend(el("li", {}, el("time", { text: fmt.time(new Date()) }),
          document.createTextNode(" " + t("{name} is now {presence}", { name: e.name || t("agent {id}", { id: e.agent_id }),
            presence: PRESENCE[e.presence] || e.presence }))));
        while (log.children.length > 50) log.lastChild.remove();
      }
      const li = board.querySelector(`[data-agent="${e.agent_id}"]`);
      if (li) li.classList.add("flash");
    });
    for (const name of ["conversation.created", "conversation.assigned", "conversation.updated"]) socket.on(name, soon);
  } else {
    load();
  }
  setInterval(load, 30000);
})();
