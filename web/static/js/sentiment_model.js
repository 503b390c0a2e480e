/* The sentiment model page: one team's calibrations, with "fit now" and one-click rollback.
 * All text goes through textContent (murmur.el); nothing from the server is parsed as HTML. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const teams = JSON.parse(document.getElementById("teams").textContent);
  const select = document.getElementById("sm-team");
  const rows = document.getElementById("sm-rows");
  const result = document.getElementById("sm-result");
  const inUse = document.getElementById("sm-in-use");

  for (const t of teams) select.append(el("option", { value: String(t.id), text: t.name }));

  const base = () => `/api/teams/${encodeURIComponent(select.value)}/sentiment-model`;
  const fmt = (v) => (typeof v === "number" ? v.toFixed(3) : "–");

  async function load() {
    if (!select.value) return;
    const state = await api(base());
    inUse.textContent = state.in_use;
    rows.replaceChildren(
      ...state.versions.map((v) =>
        el("tr", { "data-status": v.status },
          el("td", { text: v.model }),
          el("td", { text: v.status.replace("_", " ") }),
          el("td", { text: fmt(v.figures.before_macro_f1) }),
          el("td", { text: fmt(v.figures.after_macro_f1) }),
          el("td", { text: `${v.figures.trained_on ?? "–"} / ${v.figures.held_back ?? "–"}` }),
          el("td", { text: (v.created_at || "").slice(0, 16).replace("T", " ") })))
    );
    document.getElementById("sm-rollback").disabled = state.in_use === "base";
  }

  async function act(path, describe) {
    result.textContent = "…";
    try {
      result.textContent = describe(await api(base() + path, "POST"));
    } catch (err) {
      result.textContent = err.message;
    }
    await load();
  }

  document.getElementById("sm-adapt").addEventListener("click", () =>
    act("/adapt", (r) =>
      r.outcome === "too_few" ? `Only ${r.corrections} corrections; ${r.needed} are needed.`
      : r.outcome === "activated" ? `Now in use: ${r.model} (macro-F1 ${fmt(r.figures.before_macro_f1)} → ${fmt(r.figures.after_macro_f1)}).`
      : `Not used: ${r.model} did not beat the base (${fmt(r.figures.before_macro_f1)} → ${fmt(r.figures.after_macro_f1)}).`));
  document.getElementById("sm-rollback").addEventListener("click", () =>
    act("/rollback", (r) => `Rolled back ${r.rolled_back}; now in use: ${r.in_use}.`));
  select.addEventListener("change", () => load().catch((e) => { result.textContent = e.message; }));
  load().catch((e) => { result.textContent = e.message; });
})();
