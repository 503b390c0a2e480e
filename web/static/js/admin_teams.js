/* Teams and agents: create, rename, route, archive teams; invite, change and deactivate agents.
 * Everything goes through /api/admin/*; names and e-mails are only ever set as text. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (s) => document.querySelector(s);
  let teams = [], agents = [];

  function say(sel, text, bad) {
    const node = $(sel);
    node.textContent = text;
    node.classList.toggle("bad", !!bad);
  }

  const langs = (text) => text.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

  async function patchTeam(id, body, what) {
    try {
      await api("/api/admin/teams/" + id, "PATCH", body);
      say("#team-result", what);
      await load();
    } catch (e) { say("#team-result", e.message, true); }
  }

  async function patchAgent(id, body, what) {
    try {
      await api("/api/admin/agents/" + id, "PATCH", body);
      say("#agent-result", what);
      await load();
    } catch (e) { say("#agent-result", e.message, true); }
  }

  function teamRow(t) {
    const strategy = el("select", { "aria-label": "Routing of " + t.name, disabled: t.archived },
      el("option", { value: "round_robin", text: "Round robin", selected: t.routing_strategy === "round_robin" }),
      el("option", { value: "least_loaded", text: "Least loaded", selected: t.routing_strategy === "least_loaded" }));
    strategy.addEventListener("change", () =>
      patchTeam(t.id, { routing_strategy: strategy.value }, t.name + " now routes " + strategy.selectedOptions[0].text.toLowerCase() + "."));
    const rename = el("button", { type: "button", text: "Rename" });
    rename.addEventListener("click", () => {
      const name = window.prompt("New name for " + t.name, t.name);
      if (name && name.trim() && name.trim() !== t.name) patchTeam(t.id, { name: name.trim() }, "Renamed to " + name.trim() + ".");
    });
    const archive = el("button", { type: "button", text: t.archived ? "Restore" : "Archive" });
    archive.addEventListener("click", () =>
      patchTeam(t.id, { archived: !t.archived }, t.name + (t.archived ? " restored." : " archived.")));
    return el("tr", { "data-team": String(t.id), class: t.archived ? "inactive" : "" },
      el("th", { scope: "row", text: t.name + (t.archived ? " (archived)" : "") }),
      el("td", {}, strategy),
      el("td", {}, ...(t.members.length ? t.members.map((m) => el("span", { class: "tag", text: m.name })) : [el("span", { class: "muted", text: "nobody" })])),
      el("td", { class: "queued" }, el("b", { text: String(t.queued) }),
        t.waiting && t.waiting.length ? el("ul", { class: "waiting" }, ...t.waiting.map((w) =>
          el("li", {}, el("a", { href: "/?conversation=" + w.id, text: w.subject || "conversation " + w.id }),
            el("span", { class: "muted reason", text: " — " + (w.queue_reason || "waiting") })))) : null),
      el("td", {}, rename, " ", archive));
  }

  function agentRow(a) {
    const role = el("select", { "aria-label": "Role of " + a.name },
      ...["agent", "supervisor", "admin"].map((r) => el("option", { value: r, text: r, selected: a.role === r })));
    role.addEventListener("change", () => patchAgent(a.id, { role: role.value }, a.name + " is now " + role.value + "."));
    const team = el("select", { "aria-label": "Teams of " + a.name, multiple: true, size: Math.min(4, Math.max(2, teams.length)) },
      ...teams.filter((t) => !t.archived).map((t) => el("option", { value: String(t.id), text: t.name, selected: a.teams.some((x) => x.id === t.id) })));
    team.addEventListener("change", () =>
      patchAgent(a.id, { team_ids: [...team.selectedOptions].map((o) => Number(o.value)) }, a.name + "'s teams saved."));
    const capacity = el("input", { type: "number", min: 0, max: 1000, value: String(a.capacity), "aria-label": "Capacity of " + a.name, class: "capacity" });
    capacity.addEventListener("change", () => patchAgent(a.id, { capacity: Number(capacity.value) }, a.name + "'s capacity is " + capacity.value + "."));
    const languages = el("input", { value: a.languages.join(", "), "aria-label": "Languages of " + a.name, size: 8 });
    languages.addEventListener("change", () => patchAgent(a.id, { languages: langs(languages.value) }, a.name + "'s languages saved."));
    const toggle = el("button", { type: "button", text: a.active ? "Deactivate" : "Reactivate" });
    toggle.addEventListener("click", () => {
      if (a.active && !window.confirm("Deactivate " + a.name + "? They can no longer sign in, and their open conversations are routed to others.")) return;
      patchAgent(a.id, { active: !a.active }, a.name + (a.active ? " deactivated; their open work was routed again." : " reactivated."));
    });
    const link = el("button", { type: "button", text: "New sign-in link", "aria-label": "New sign-in link for " + a.name, disabled: !a.active });
    link.addEventListener("click", async () => {
      try {
        const r = await api("/api/admin/agents/" + a.id + "/password-link", "POST");
        const out = $("#agent-result");
        out.classList.remove("bad");
        out.replaceChildren(
          el("span", { text: (r.mailed ? "Mailed to " : "Send ") + r.agent.email + " this one-time link to choose a password (shown only now): " }),
          el("span", { class: "secret-once", text: r.invite_url }));
        await load();
      } catch (e) { say("#agent-result", e.message, true); }
    });
    const who = el("th", { scope: "row" }, el("div", { text: a.name }), el("div", { class: "muted", text: a.email }));
    if (a.invited) who.append(el("span", { class: "tag", text: "invited" }));
    if (!a.active) who.append(el("span", { class: "tag", text: "deactivated" }));
    return el("tr", { "data-agent": String(a.id), class: a.active ? "" : "inactive" },
      who, el("td", {}, role), el("td", {}, team), el("td", {}, capacity), el("td", {}, languages),
      el("td", { class: "num", text: String(a.open) }), el("td", {}, toggle, " ", link));
  }

  async function load() {
    const [t, a] = await Promise.all([api("/api/admin/teams"), api("/api/admin/agents")]);
    teams = t.teams; agents = a.agents;
    $("#team-rows").replaceChildren(...teams.map(teamRow));
    $("#agent-rows").replaceChildren(...agents.map(agentRow));
    const pick = $("#invite-team"), keep = pick.value;
    pick.replaceChildren(el("option", { value: "", text: "(none)" }),
      ...teams.filter((x) => !x.archived).map((x) => el("option", { value: String(x.id), text: x.name })));
    pick.value = keep;
  }

  $("#team-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const t = await api("/api/admin/teams", "POST", { name: $("#team-name").value.trim(), routing_strategy: $("#team-strategy").value });
      say("#team-result", "Team " + t.name + " created.");
      $("#team-name").value = "";
      await load();
    } catch (e) { say("#team-result", e.message, true); }
  });

  $("#invite-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("#invite-result");
    try {
      const team = $("#invite-team").value;
      const r = await api("/api/admin/agents/invite", "POST", {
        email: $("#invite-email").value.trim(), name: $("#invite-name").value.trim(), role: $("#invite-role").value,
        team_ids: team ? [Number(team)] : [], languages: langs($("#invite-languages").value),
        capacity: Number($("#invite-capacity").value || 10),
      });
      out.classList.remove("bad");
      out.replaceChildren(
        el("p", { text: r.mailed ? "Invitation mailed to " + r.agent.email + ". The link, shown only now:" :
          "Send " + r.agent.email + " this one-time link (shown only now; it works for 7 days):" }),
        el("p", { class: "secret-once", id: "invite-link", text: r.invite_url }),
        r.mail_error ? el("p", { class: "bad", text: r.mail_error }) : null);
      $("#invite-form").reset();
      await load();
    } catch (e) { say("#invite-result", e.message, true); }
  });

  load().catch((e) => say("#team-result", e.message, true));
})();
