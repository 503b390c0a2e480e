/* SLA policies: list, create, edit, delete; weekly business hours (one span per day, overnight
 * allowed), time zone and holidays, sent as the calendar JSON the API validates. textContent only. */
(function () {
  "use strict";
  const { api } = window.murmur;
  const choices = JSON.parse(document.getElementById("choices").textContent);
  const $ = (s) => document.querySelector(s);
  // the days in the reader's language, from Intl (2024-01-01 was a Monday)
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d, i) =>
    [d, fmt.parts(Date.UTC(2024, 0, 1 + i, 12), { weekday: "long", timeZone: "UTC" })]);
  const SHORT_DAYS = Object.fromEntries(DAYS.map(([d], i) =>
    [d, fmt.parts(Date.UTC(2024, 0, 1 + i, 12), { weekday: "short", timeZone: "UTC" })]));
  const MINUTES = ["first_response_minutes", "next_response_minutes", "resolution_minutes", "warn_before_minutes"];
  const teams = new Map(choices.teams.map((t) => [t.id, t.name]));
  const state = { policies: [], editing: null, holidays: [] };

  const { el } = window.murmur;


  function scope(p) {
    const tier = { vip: t("VIP customers"), standard: t("standard customers") };
    const parts = [p.team_id != null ? t("team {name}", { name: teams.get(p.team_id) || p.team_id }) : null,
      p.channel ? p.channel : null, p.customer_tier ? tier[p.customer_tier] || p.customer_tier : null].filter(Boolean);
    return parts.length ? parts.join(" · ") : t("everything");
  }
  function targets(p) {
    const f = (v) => (v == null ? "–" : String(v));
    return t("first {first} · next {next} · resolve {resolve}",
      { first: f(p.first_response_minutes), next: f(p.next_response_minutes), resolve: f(p.resolution_minutes) });
  }
  function hoursText(cal) {
    if (!cal || !cal.timezone) return "24/7";
    const open = DAYS.filter(([d]) => cal.hours && cal.hours[d] && cal.hours[d].length)
      .map(([d]) => `${SHORT_DAYS[d]} ${cal.hours[d].map((s) => s.join("–")).join(", ")}`);
    const hol = cal.holidays && cal.holidays.length ? " · " + nt("{n} holiday", "{n} holidays", cal.holidays.length) : "";
    const closed = t("closed");
    return `${open.join("; ") || closed} (${cal.timezone})${hol}`;
  }

  async function load() {
    state.policies = (await api("/api/sla/policies")).policies;
    $("#policy-rows").replaceChildren(...state.policies.map((p) => {
      const edit = el("button", { type: "button", text: t("Edit") });
      edit.addEventListener("click", () => fill(p));
      const del = el("button", { type: "button", class: "danger", text: t("Delete") });
      del.addEventListener("click", async () => {
        if (!window.confirm(t("Delete the SLA policy “{name}”?", { name: p.name }))) return;
        try { await api(`/api/sla/policies/${p.id}`, "DELETE"); $("#list-result").textContent = t("Deleted “{name}”.", { name: p.name }); }
        catch (e) { $("#list-result").textContent = t("Not deleted: {error}", { error: e.message }); }
        if (state.editing === p.id) fill(null);
        load();
      });
      return el("tr", { class: p.enabled ? "" : "off", "data-id": String(p.id) },
        el("td", {}, el("b", { text: p.name }), p.enabled ? null : el("div", { class: "muted", text: t("disabled") })),
        el("td", { text: scope(p) }), el("td", { text: targets(p) }), el("td", { text: hoursText(p.calendar) }),
        el("td", { class: "actions" }, edit, del));
    }));
    if (!state.policies.length) $("#policy-rows").append(el("tr", {}, el("td", { colSpan: 5, class: "empty", text: t("No SLA policies yet: nothing is timed.") })));
  }

  function hoursRows(cal) {
    $("#hours-rows").replaceChildren(...DAYS.map(([d, name], i) => {
      const span = cal && cal.hours && cal.hours[d] && cal.hours[d][0];
      const fresh = !cal || !cal.timezone;
      const open = span ? true : fresh && i < 5;
      const box = el("input", { type: "checkbox", checked: open, "aria-label": t("{day} open", { day: name }), "data-day": d });
      const from = el("input", { type: "time", value: span ? span[0] : "09:00", "aria-label": t("{day} opens", { day: name }), "data-from": d });
      const to = el("input", { type: "time", value: span ? (span[1] === "24:00" ? "23:59" : span[1]) : "17:00", "aria-label": t("{day} closes", { day: name }), "data-to": d });
      const sync = () => { from.disabled = to.disabled = !box.checked; };
      box.addEventListener("change", sync);
      sync();
      return el("tr", {}, el("th", { text: name }), el("td", {}, box), el("td", {}, from), el("td", {}, to));
    }));
  }

  function renderHolidays() {
    $("#holidays").replaceChildren(...state.holidays.sort().map((d) => {
      const x = el("button", { type: "button", class: "icon", text: "✕", "aria-label": t("Remove holiday {date}", { date: d }) });
      x.addEventListener("click", () => { state.holidays = state.holidays.filter((h) => h !== d); renderHolidays(); });
      return el("li", { class: "chip" }, el("span", { text: d }), x);
    }));
  }

  function syncAlways() { $("#hours-box").hidden = $("#p-always").checked; }

  function fill(p) {
    clearErrors();
    state.editing = p ? p.id : null;
    $("#policy-h").textContent = p ? t("Edit policy: {name}", { name: p.name }) : t("New policy");
    $("#p-name").value = p ? p.name : "";
    $("#p-team").value = p && p.team_id != null ? String(p.team_id) : "";
    $("#p-channel").value = (p && p.channel) || "";
    $("#p-tier").value = (p && p.customer_tier) || "";
    for (const k of MINUTES) $("#p-" + k).value = p && p[k] != null ? p[k] : k === "warn_before_minutes" ? 15 : "";
    const cal = p ? p.calendar : null;
    $("#p-always").checked = !!p && (!cal || !cal.timezone);
    $("#p-timezone").value = (cal && cal.timezone) || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    hoursRows(cal);
    state.holidays = (cal && cal.holidays) ? [...cal.holidays] : [];
    renderHolidays();
    $("#p-enabled").checked = p ? p.enabled : true;
    $("#policy-result").textContent = "";
    syncAlways();
  }

  function body() {
    const num = (id) => { const v = $(id).value.trim(); return v === "" ? null : Number(v); };
    const out = {
      name: $("#p-name").value.trim(),
      team_id: $("#p-team").value ? Number($("#p-team").value) : null,
      channel: $("#p-channel").value.trim() || null,
      customer_tier: $("#p-tier").value || null,
      enabled: $("#p-enabled").checked,
    };
    for (const k of MINUTES) out[k] = num("#p-" + k);
    if (out.warn_before_minutes == null) delete out.warn_before_minutes;
    if ($("#p-always").checked) {
      out.calendar = state.holidays.length ? { timezone: $("#p-timezone").value.trim() || "UTC", hours: {}, holidays: state.holidays } : {};
    } else {
      const hours = {};
      for (const [d] of DAYS) {
        if (!document.querySelector(`[data-day="${d}"]`).checked) continue;
        hours[d] = [[document.querySelector(`[data-from="${d}"]`).value, document.querySelector(`[data-to="${d}"]`).value]];
      }
      out.calendar = { timezone: $("#p-timezone").value.trim() || "UTC", hours, holidays: state.holidays };
    }
    return out;
  }

  function clearErrors() {
    document.querySelectorAll("#policy-form .field-error").forEach((p) => { p.textContent = ""; });
    document.querySelectorAll("#policy-form [aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  }

  function showErrors(detail) {
    clearErrors();
    const errors = detail.errors && detail.errors.length ? detail.errors : [{ path: detail.field || "", message: detail.message }];
    for (const e of errors) {
      const key = (e.path || "").split(/[.[]/)[0];
      const slot = document.querySelector(`#policy-form [data-error-for="${key}"]`) || $("#policy-result");
      const input = document.getElementById("p-" + key);
      if (input) input.setAttribute("aria-invalid", "true");
      slot.textContent = slot.textContent ? `${slot.textContent}; ${e.message}` : e.message;
    }
  }

  $("#policy-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const saved = state.editing == null ? await api("/api/sla/policies", "POST", body())
        : await api(`/api/sla/policies/${state.editing}`, "PATCH", body());
      fill(saved);
      $("#policy-result").textContent = t("Saved “{name}”: {targets}; {hours}.",
        { name: saved.name, targets: targets(saved), hours: hoursText(saved.calendar) });
      load();
    } catch (e) {
      if (e.detail && (e.detail.errors || e.detail.field)) showErrors(e.detail);
      else $("#policy-result").textContent = t("Not saved: {error}", { error: e.message });
    }
  });
  $("#add-holiday").addEventListener("click", () => {
    const d = $("#p-holiday").value;
    if (d && !state.holidays.includes(d)) state.holidays.push(d);
    $("#p-holiday").value = "";
    renderHolidays();
  });
  $("#p-always").addEventListener("change", syncAlways);
  $("#new-policy").addEventListener("click", () => { fill(null); $("#p-name").focus(); });
  $("#p-clear").addEventListener("click", () => fill(null));

  $("#p-team").replaceChildren(el("option", { value: "", text: t("any team") }), ...choices.teams.map((team) => el("option", { value: String(team.id), text: team.archived ? t("{name} (archived)", { name: team.name }) : team.name })));
  if (Intl.supportedValuesOf) $("#time-zones").replaceChildren(...Intl.supportedValuesOf("timeZone").map((z) => el("option", { value: z })));
  api("/api/channel-kinds").then((r) => {
    $("#channel-kinds").replaceChildren(...r.kinds.map((k) => el("option", { value: k.kind })));
  }).catch(() => {});
  fill(null);
  load().then(() => { document.body.dataset.ready = "1"; });
})();
