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

  // the languages routing matches on (the primary subtag: "zh" answers Traditional and Simplified
  // alike), each named in its own words; codes an agent already has beyond these stay listed
  const AGENT_LANGUAGES = ["en", "zh", "th", "ja", "ko", "vi", "id", "ms", "es", "fr", "de"];
  function ownName(code) {
    try { return new Intl.DisplayNames([code], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }
  /* A dropdown of checkboxes for the languages an agent answers in; `onChange(codes)` on each tick.
   * None ticked means the agent is offered every language (as routing reads an empty list). */
  function languagePicker(current, label, onChange) {
    const chosen = new Set(current);
    const codes = [...AGENT_LANGUAGES, ...current.filter((c) => !AGENT_LANGUAGES.includes(c))];
    const summary = el("summary");
    // the accessible name says what the list is and holds what it shows (WCAG's label in name)
    const sum = () => {
      summary.textContent = chosen.size ? codes.filter((c) => chosen.has(c)).map(ownName).join(", ") : t("any language");
      summary.setAttribute("aria-label", label + ": " + summary.textContent);
    };
    const boxes = codes.map((code) => {
      const box = el("input", { type: "checkbox", value: code, checked: chosen.has(code) });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(code); else chosen.delete(code);
        sum();
        if (onChange) onChange(codes.filter((c) => chosen.has(c)));
      });
      // each language in its own words: not words of the page, so not for translation
      return el("label", { class: "lang-option", lang: code, translate: "no" }, box, " " + ownName(code));
    });
    sum();
    const picker = el("details", { class: "lang-pick" }, summary, el("fieldset", {}, el("legend", { class: "sr-only", text: label }), ...boxes));
    picker.value = () => codes.filter((c) => chosen.has(c));
    return picker;
  }
  const invitePicker = languagePicker(["en"], t("Languages"), null);
  $("#invite-languages").replaceChildren(invitePicker);
  // each language in its own words (names, never translated), as the language switcher shows them
  const TEAM_LANGUAGES = [["en", "English"], ["th", "ไทย"], ["zh-Hant", "繁體中文"], ["zh-Hans", "简体中文"]];

  async function patchTeam(id, body, what) {
    try {
      await api("/api/admin/teams/" + id, "PATCH", body);
      say("#team-result", what);
      await load();
    } catch (e) { say("#team-result", e.message, true); }
  }

  // `reload` false keeps the table as it is (the language picker stays open while more are ticked)
  async function patchAgent(id, body, what, reload = true) {
    try {
      await api("/api/admin/agents/" + id, "PATCH", body);
      say("#agent-result", what);
      if (reload) await load();
    } catch (e) { say("#agent-result", e.message, true); await load(); }
  }

  function teamRow(tm) {
    const strategy = el("select", { "aria-label": t("Routing of {name}", { name: tm.name }), disabled: tm.archived },
      el("option", { value: "round_robin", text: t("Round robin"), selected: tm.routing_strategy === "round_robin" }),
      el("option", { value: "least_loaded", text: t("Least loaded"), selected: tm.routing_strategy === "least_loaded" }));
    strategy.addEventListener("change", () =>
      patchTeam(tm.id, { routing_strategy: strategy.value }, strategy.value === "least_loaded"
        ? t("{name} now routes to the least loaded agent.", { name: tm.name }) : t("{name} now routes round robin.", { name: tm.name })));
    const language = el("select", { "aria-label": t("Default language of {name}", { name: tm.name }), disabled: tm.archived },
      el("option", { value: "", text: t("Default text"), selected: !tm.default_language }),
      ...TEAM_LANGUAGES.map(([tag, name]) => el("option", { value: tag, text: name, selected: tm.default_language === tag })));
    language.addEventListener("change", () =>
      patchTeam(tm.id, { default_language: language.value || null }, t("Default language of {name} saved.", { name: tm.name })));
    const rename = el("button", { type: "button", text: t("Rename") });
    rename.addEventListener("click", () => {
      const name = window.prompt(t("New name for {name}", { name: tm.name }), tm.name);
      if (name && name.trim() && name.trim() !== tm.name) patchTeam(tm.id, { name: name.trim() }, t("Renamed to {name}.", { name: name.trim() }));
    });
    const archive = el("button", { type: "button", text: tm.archived ? t("Restore") : t("Archive") });
    archive.addEventListener("click", () =>
      patchTeam(tm.id, { archived: !tm.archived }, tm.archived ? t("{name} restored.", { name: tm.name }) : t("{name} archived.", { name: tm.name })));
    return el("tr", { "data-team": String(tm.id), class: tm.archived ? "inactive" : "" },
      el("th", { scope: "row", text: tm.archived ? t("{name} (archived)", { name: tm.name }) : tm.name }),
      el("td", {}, strategy),
      el("td", {}, language),
      el("td", {}, ...(tm.members.length ? tm.members.map((m) => el("span", { class: "tag", text: m.name })) : [el("span", { class: "muted", text: t("nobody") })])),
      el("td", { class: "queued" }, el("b", { text: String(tm.queued) }),
        tm.waiting && tm.waiting.length ? el("ul", { class: "waiting" }, ...tm.waiting.map((w) =>
          el("li", {}, el("a", { href: "/?conversation=" + w.id, text: w.subject || t("conversation {id}", { id: w.id }) }),
            el("span", { class: "muted reason", text: " — " + (queueReason(w.queue_reason, (id) => (id === tm.id ? tm.name : null)) || t("waiting")) })))) : null),
      el("td", {}, rename, " ", archive));
  }

  function agentRow(a) {
    const ROLES = { agent: t("agent"), supervisor: t("supervisor"), admin: t("admin") };
    const role = el("select", { "aria-label": t("Role of {name}", { name: a.name }) },
      ...["agent", "supervisor", "admin"].map((r) => el("option", { value: r, text: ROLES[r], selected: a.role === r })));
    role.addEventListener("change", () => patchAgent(a.id, { role: role.value }, t("{name} is now {role}.", { name: a.name, role: ROLES[role.value] })));
    const team = el("select", { "aria-label": t("Teams of {name}", { name: a.name }), multiple: true, size: Math.min(4, Math.max(2, teams.length)) },
      ...teams.filter((x) => !x.archived).map((x) => el("option", { value: String(x.id), text: x.name, selected: a.teams.some((y) => y.id === x.id) })));
    team.addEventListener("change", () =>
      patchAgent(a.id, { team_ids: [...team.selectedOptions].map((o) => Number(o.value)) }, t("Teams of {name} saved.", { name: a.name })));
    const capacity = el("input", { type: "number", min: 0, max: 1000, value: String(a.capacity), "aria-label": t("Capacity of {name}", { name: a.name }), class: "capacity" });
    capacity.addEventListener("change", () => patchAgent(a.id, { capacity: Number(capacity.value) }, t("Capacity of {name} is {n}.", { name: a.name, n: capacity.value })));
    const languages = languagePicker(a.languages || [], t("Languages of {name}", { name: a.name }),
      (codes) => patchAgent(a.id, { languages: codes }, t("Languages of {name} saved.", { name: a.name }), false));
    const toggle = el("button", { type: "button", text: a.active ? t("Deactivate") : t("Reactivate") });
    toggle.addEventListener("click", () => {
      if (a.active && !window.confirm(t("Deactivate {name}? They can no longer sign in, and their open conversations are routed to others.", { name: a.name }))) return;
      patchAgent(a.id, { active: !a.active }, a.active ? t("{name} deactivated; their open work was routed again.", { name: a.name })
        : t("{name} reactivated.", { name: a.name }));
    });
    const link = el("button", { type: "button", text: t("New sign-in link"), "aria-label": t("New sign-in link for {name}", { name: a.name }), disabled: !a.active });
    link.addEventListener("click", async () => {
      try {
        const r = await api("/api/admin/agents/" + a.id + "/password-link", "POST");
        const out = $("#agent-result");
        out.classList.remove("bad");
        out.replaceChildren(
          el("span", { text: (r.mailed ? t("Mailed to {email}: this one-time link to choose a password (shown only now):", { email: r.agent.email })
            : t("Send {email} this one-time link to choose a password (shown only now):", { email: r.agent.email })) + " " }),
          el("span", { class: "secret-once", text: r.invite_url }));
        await load();
      } catch (e) { say("#agent-result", e.message, true); }
    });
    const who = el("th", { scope: "row" }, el("div", { text: a.name }), el("div", { class: "muted", text: a.email }));
    if (a.invited) who.append(el("span", { class: "tag", text: t("invited") }));
    if (!a.active) who.append(el("span", { class: "tag", text: t("deactivated") }));
    return el("tr", { "data-agent": String(a.id), class: a.active ? "" : "inactive" },
      who, el("td", {}, role), el("td", {}, team), el("td", {}, capacity), el("td", {}, languages),
      el("td", { class: "num", text: String(a.open) }), el("td", {}, toggle, " ", link));
  }

  async function load() {
    const [tr, ar] = await Promise.all([api("/api/admin/teams"), api("/api/admin/agents")]);
    teams = tr.teams; agents = ar.agents;
    $("#team-rows").replaceChildren(...teams.map(teamRow));
    $("#agent-rows").replaceChildren(...agents.map(agentRow));
    const pick = $("#invite-team"), keep = pick.value;
    pick.replaceChildren(el("option", { value: "", text: t("(none)") }),
      ...teams.filter((x) => !x.archived).map((x) => el("option", { value: String(x.id), text: x.name })));
    pick.value = keep;
  }

  $("#team-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const made = await api("/api/admin/teams", "POST", { name: $("#team-name").value.trim(), routing_strategy: $("#team-strategy").value, default_language: $("#team-language").value || null });
      say("#team-result", t("Team {name} created.", { name: made.name }));
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
        team_ids: team ? [Number(team)] : [], languages: invitePicker.value(),
        capacity: Number($("#invite-capacity").value || 10),
      });
      out.classList.remove("bad");
      out.replaceChildren(
        el("p", { text: r.mailed ? t("Invitation mailed to {email}. The link, shown only now:", { email: r.agent.email }) :
          t("Send {email} this one-time link (shown only now; it works for 7 days):", { email: r.agent.email }) }),
        el("p", { class: "secret-once", id: "invite-link", text: r.invite_url }),
        r.mail_error ? el("p", { class: "bad", text: r.mail_error }) : null);
      $("#invite-form").reset();
      await load();
    } catch (e) { say("#invite-result", e.message, true); }
  });

  load().catch((e) => say("#team-result", e.message, true));
})();
