/* Reports: ask /api/reports for the period in the viewer's time zone, draw the per-agent and
 * per-team tables, and open the conversations behind any figure. Every name and subject comes
 * from untrusted data and goes into the page through textContent (murmur.el), never as HTML. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  // the time zone of the agent's profile; the browser's only when the profile names none
  const tz = document.documentElement.getAttribute("data-timezone-chosen")
    ? fmt.timeZone : (Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const form = document.getElementById("period");
  const preset = document.getElementById("preset");
  const from = document.getElementById("from");
  const to = document.getElementById("to");
  const errorBox = document.getElementById("report-error");
  const drillBox = document.getElementById("drill");
  const DASH = "—";

  function duration(seconds) {
    if (seconds == null) return DASH;
    const s = Math.round(seconds);
    if (s < 60) return t("{s}s", { s });
    const m = Math.floor(s / 60);
    if (m < 60) return t("{m}m {s}s", { m, s: String(s % 60).padStart(2, "0") });
    const h = Math.floor(m / 60);
    if (h < 24) return t("{h}h {m}m", { h, m: String(m % 60).padStart(2, "0") });
    return t("{d}d {h}h", { d: Math.floor(h / 24), h: h % 24 });
  }
  const pct = (v) => (v == null ? DASH : v + "%");
  const num = (v) => (v == null ? DASH : String(v));

  function periodParams() {
    const p = new URLSearchParams({ preset: preset.value, tz });
    if (preset.value === "custom") {
      if (from.value) p.set("from", from.value);
      if (to.value) p.set("to", to.value);
    }
    return p;
  }

  function toggleCustom() {
    for (const label of form.querySelectorAll(".custom")) label.hidden = preset.value !== "custom";
  }

  /* A figure as a button that opens its conversations; "—" (no data) opens nothing. */
  function figure(text, drill, count, title) {
    if (!count) return el("span", { class: "none", text, title: t("no conversations in this period") });
    return el("button", {
      type: "button",
      class: "figure",
      text,
      title,
      "data-metric": drill.metric,
      "data-group": drill.group,
      onclick: () => openDrill(drill, title),
    });
  }

  const COLUMNS = [
    [t("First responses"), (r) => figure(num(r.first_response.count), r.first_response.drill, r.first_response.count, t("{name}: first responses", { name: r.name }))],
    [t("First response median"), (r) => figure(duration(r.first_response.median_seconds), r.first_response.drill, r.first_response.count, t("{name}: first response times", { name: r.name }))],
    [t("First response p90"), (r) => figure(duration(r.first_response.p90_seconds), r.first_response.drill, r.first_response.count, t("{name}: first response times", { name: r.name }))],
    [t("Resolution median"), (r) => figure(duration(r.resolution.median_seconds), r.resolution.drill, r.resolution.count, t("{name}: resolution times", { name: r.name }))],
    [t("Resolution p90"), (r) => figure(duration(r.resolution.p90_seconds), r.resolution.drill, r.resolution.count, t("{name}: resolution times", { name: r.name }))],
    [t("Handled"), (r) => figure(num(r.handled.count), r.handled.drill, r.handled.count, t("{name}: conversations handled", { name: r.name }))],
    ["CSAT", (r) => figure(pct(r.csat.score), r.csat.drill, r.csat.responses, t("{name}: CSAT answers", { name: r.name })), (r) => r.csat.responses ? nt("{n} answer", "{n} answers", r.csat.responses) : ""],
    ["NPS", (r) => figure(num(r.nps.score), r.nps.drill, r.nps.responses, t("{name}: NPS answers", { name: r.name })), (r) => r.nps.responses ? nt("{n} answer", "{n} answers", r.nps.responses) : ""],
  ];

  function drawTable(table, rows, total, what) {
    table.replaceChildren();
    table.append(el("caption", { class: "sr-only", text: what }));
    const head = el("tr", {}, el("th", { scope: "col", text: t("Name") }), ...COLUMNS.map(([name]) => el("th", { scope: "col", text: name })));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const r of rows) {
      body.append(el("tr", { "data-group": r.group },
        el("th", { scope: "row", text: r.name }),
        ...COLUMNS.map(([, cell, note]) => el("td", {}, cell(r), note && note(r) ? el("small", { class: "muted", text: " " + note(r) }) : null))));
    }
    table.append(body);
    table.append(el("tfoot", {}, el("tr", { "data-group": "all" },
      el("th", { scope: "row", text: t("All") }),
      ...COLUMNS.map(([, cell]) => el("td", {}, cell(total))))));
  }

  function csvHref(path, params, extra) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    p.set("format", "csv");
    return path + "?" + p.toString();
  }

  async function load() {
    errorBox.hidden = true;
    const params = periodParams();
    try {
      const data = await api("/api/reports?" + params.toString());
      const p = data.period;
      document.getElementById("period-label").textContent = p.from === p.to ? p.from + " (" + p.tz + ")"
        : t("{from} to {to} ({tz})", { from: p.from, to: p.to, tz: p.tz });
      if (preset.value !== "custom") { from.value = p.from; to.value = p.to; }
      drawTable(document.getElementById("agents"), data.agents, data.total, t("Figures per agent"));
      drawTable(document.getElementById("teams"), data.teams, data.total, t("Figures per team"));
      document.getElementById("csv-agents").href = csvHref("/api/reports", params, { table: "agents" });
      document.getElementById("csv-teams").href = csvHref("/api/reports", params, { table: "teams" });
      const shown = new URLSearchParams(params); shown.delete("tz");
      history.replaceState(null, "", "/reports?" + shown.toString());
      drillBox.hidden = true;
    } catch (err) {
      errorBox.textContent = err.message;
      errorBox.hidden = false;
    }
  }

  async function openDrill(drill, title) {
    const params = new URLSearchParams(drill);
    try {
      const data = await api("/api/reports/conversations?" + params.toString());
      const table = document.getElementById("drill-table");
      const timed = ["first_response", "resolution", "handled"].includes(drill.metric);
      // a resolution is credited to the agent who resolved it (the assignee when that is not known)
      const who = ["resolution", "handled"].includes(drill.metric) ? t("Resolved by") : t("Agent");
      const head = [t("Conversation"), t("Customer"), t("Channel"), who, t("Team"), timed ? t("Time") : t("Rating"), t("At")];
      table.replaceChildren(el("thead", {}, el("tr", {}, ...head.map((name) => el("th", { scope: "col", text: name })))));
      const body = el("tbody");
      for (const c of data.conversations) {
        body.append(el("tr", {},
          el("td", {}, el("a", { href: c.url, text: "#" + c.id + (c.subject ? " " + c.subject : "") })),
          el("td", { text: c.customer || DASH }),
          el("td", { text: c.channel }),
          el("td", { text: c.agent || DASH }),
          el("td", { text: c.team || DASH }),
          el("td", { text: timed ? duration(c.seconds) : num(c.rating) }),
          el("td", { text: c.at ? fmt.dateTime(c.at) : DASH })));
      }
      table.append(body);
      document.getElementById("drill-h").textContent = title;
      document.getElementById("drill-count").textContent =
        nt("{n} conversation", "{n} conversations", data.count) +
        (data.count > data.conversations.length ? " " + t("(the first {n} shown; the CSV has them all up to 500)", { n: data.conversations.length }) : "");
      document.getElementById("csv-drill").href = csvHref("/api/reports/conversations", params, { limit: "500" });
      drillBox.hidden = false;
      document.getElementById("drill-h").focus();
    } catch (err) {
      errorBox.textContent = err.message;
      errorBox.hidden = false;
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  preset.addEventListener("change", () => { toggleCustom(); if (preset.value !== "custom") load(); });
  document.getElementById("drill-close").addEventListener("click", () => { drillBox.hidden = true; });

  // A shared link (/reports?preset=...&from=...&to=...) opens the same period.
  const given = new URLSearchParams(location.search);
  if (given.get("preset") && [...preset.options].some((o) => o.value === given.get("preset"))) preset.value = given.get("preset");
  if (given.get("from")) from.value = given.get("from");
  if (given.get("to")) to.value = given.get("to");
  toggleCustom();
  load();
})();
