/* SLA policies: list, create, edit, delete; weekly business hours (one span per day, overnight
 * allowed), time zone and holidays, sent as the calendar JSON the API validates. textContent only. */
(function () {
  "use strict";
  const { api } = window.murmur;
  const choices = JSON.parse(document.getElementById("choices").textContent);
  const $ = (s) => document.querySelector(s);
  const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"],
    ["sat", "Saturday"], ["sun", "Sunday"]];
  const MINUTES = ["first_response_minutes", "next_response_minutes", "resolution_minutes", "warn_before_minutes"];
  const teams = new Map(choices.teams.map((t) => [t.id, t.name]));
  const state = { policies: [], editing: null, holidays: [] };

  const { el } = window.murmur;


  function scope(p) {
    const parts = [p.team_id != null ? "team " + (teams.get(p.team_id) || p.team_id) : null,
      p.channel ? p.channel : null, p.customer_tier ? p.customer_tier + " customers" : null].filter(Boolean);
    return parts.length ? parts.join(" · ") : "everything";
  }
  function targets(p) {
    const f = (v) => (v == null ? "–" : String(v));
    return `first ${f(p.first_response_minutes)} · next ${f(p.next_response_minutes)} · resolve ${f(p.resolution_minutes)}`;
  }
  function hoursText(cal) {
    if (!cal || !cal.timezone) return "24/7";
    const open = DAYS.filter(([d]) => cal.hours && cal.hours[d] && cal.hours[d].length)
      .map(([d]) => `${d} ${cal.hours[d].map((s) => s.join("–")).join(", ")}`);
    const hol = cal.holidays && cal.holidays.length ? ` · ${cal.holidays.length} holiday(s)` : "";
    return `${open.join("; ") || "closed"} (${cal.timezone})${hol}`;
  }

  async function load() {
    state.policies = (await api("/api/sla/policies")).policies;
    $("#policy-rows").replaceChildren(...state.policies.map((p) => {
      const edit = el("button", { type: "button", text: "Edit" });
      edit.addEventListener("click", () => fill(p));
      const del = el("button", { type: "button", class: "danger", text: "Delete" });
      del.addEventListener("click", async () => {
        if (!window.confirm(`Delete the SLA policy "${p.name}"?`)) return;
        try { await api(`/api/sla/policies/${p.id}`, "DELETE"); $("#list-result").textContent = `Deleted "${p.name}".`; }
        catch (e) { $("#list-result").textContent = "Not deleted: " + e.message; }
        if (state.editing === p.id) fill(null);
        load();
      });
      return el("tr", { class: p.enabled ? "" : "off", "data-id": String(p.id) },
        el("td", {}, el("b", { text: p.name }), p.enabled ? null : el("div", { class: "muted", text: "disabled" })),
        el("td", { text: scope(p) }), el("td", { text: targets(p) }), el("td", { text: hoursText(p.calendar) }),
        el("td", { class: "actions" }, edit, del));
    }));
    if (!state.policies.length) $("#policy-rows").append(el("tr", {}, el("td", { colSpan: 5, class: "empty", text: "No SLA policies yet: nothing is timed." })));
  }

  function hoursRows(cal) {
    $("#hours-rows").replaceChildren(...DAYS.map(([d, name], i) => {
      const span = cal && cal.hours && cal.hours[d] && cal.hours[d][0];
      const fresh = !cal || !cal.timezone;
      const open = span ? true : fresh && i < 5;
      const box = el("input", { type: "checkbox", checked: open, "aria-label": `${name} open`, "data-day": d });
      const from = el("input", { type: "time", value: span ? span[0] : "09:00", "aria-label": `${name} opens`, "data-from": d });
      const to = el("input", { type: "time", value: span ? (span[1] === "24:00" ? "23:59" : span[1]) : "17:00", "aria-label": `${name} closes`, "data-to": d });
      const sync = () => { from.disabled = to.disabled = !box.checked; };
      box.addEventListener("change", sync);
      sync();
      return el("tr", {}, el("th", { text: name }), el("td", {}, box), el("td", {}, from), el("td", {}, to));
    }));
  }

  function renderHolidays() {
    $("#holidays").replaceChildren(...state.holidays.sort().map((d) => {
      const x = el("button", { type: "button", class: "icon", text: "✕", "aria-label": `Remove holiday ${d}` });
      x.addEventListener("click", () => { state.holidays = state.holidays.filter((h) => h !== d); renderHolidays(); });
      return el("li", { class: "chip" }, el("span", { text: d }), x);
    }));
  }

  function syncAlways() { $("#hours-box").hidden = $("#p-always").checked; }

  function fill(p) {
    clearErrors();
    state.editing = p ? p.id : null;
    $("#policy-h").textContent = p ? `Edit policy: ${p.name}` : "New policy";
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
      $("#policy-result").textContent = `Saved "${saved.name}": ${targets(saved)}; ${hoursText(saved.calendar)}.`;
      load();
    } catch (e) {
      if (e.detail && (e.detail.errors || e.detail.field)) showErrors(e.detail);
      else $("#policy-result").textContent = "Not saved: " + e.message;
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

  $("#p-team").replaceChildren(el("option", { value: "", text: "any team" }), ...choices.teams.map((t) => el("option", { value: String(t.id), text: t.name })));
  if (Intl.supportedValuesOf) $("#time-zones").replaceChildren(...Intl.supportedValuesOf("timeZone").map((z) => el("option", { value: z })));
  api("/api/channel-kinds").then((r) => {
    $("#channel-kinds").replaceChildren(...r.kinds.map((k) => el("option", { value: k.kind })));
  }).catch(() => {});
  fill(null);
  load().then(() => { document.body.dataset.ready = "1"; });
})();
