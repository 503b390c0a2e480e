/* Canned replies: list, create, edit (with per-language variants) and delete through /api/canned-responses. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (s) => document.querySelector(s);
  let teams = [], rows = [];

  function say(text, bad) {
    $("#canned-result").textContent = text;
    $("#canned-result").classList.toggle("bad", !!bad);
  }

  function addVariant(lang, text) {
    const n = $("#variants").children.length + 1;
    const code = el("input", { value: lang || "", maxLength: 20, pattern: "[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", required: true, class: "variant-lang",
      "aria-label": t("Language code of variant {n}", { n }), placeholder: "th" });
    const body = el("textarea", { value: text || "", maxLength: 4000, required: true, class: "variant-text",
      "aria-label": t("Text of variant {n}", { n }) });
    const remove = el("button", { type: "button", text: t("Remove"), "aria-label": t("Remove variant {n}", { n }) });
    const row = el("div", { class: "variant" }, code, body, remove);
    remove.addEventListener("click", () => row.remove());
    $("#variants").append(row);
    return row;
  }

  function edit(c) {
    $("#canned-id").value = c ? String(c.id) : "";
    $("#canned-shortcut").value = c ? c.shortcut : "";
    $("#canned-text").value = c ? c.text : "";
    $("#canned-team").value = c && c.team_id ? String(c.team_id) : "";
    $("#variants").replaceChildren();
    if (c) for (const [lang, text] of Object.entries(c.variants)) addVariant(lang, text);
    $("#edit-h").textContent = c ? t("Edit /{shortcut}", { shortcut: c.shortcut }) : t("New canned reply");
    $("#canned-cancel").hidden = !c;
    if (c) $("#canned-shortcut").focus();
  }

  const teamName = (id) => (teams.find((x) => x.id === id) || { name: t("team {id}", { id }) }).name;

  function row(c) {
    const editBtn = el("button", { type: "button", text: t("Edit"), "aria-label": t("Edit /{shortcut}", { shortcut: c.shortcut }) });
    editBtn.addEventListener("click", () => edit(c));
    const del = el("button", { type: "button", text: t("Delete"), "aria-label": t("Delete /{shortcut}", { shortcut: c.shortcut }) });
    del.addEventListener("click", async () => {
      if (!window.confirm(t("Delete /{shortcut}?", { shortcut: c.shortcut }))) return;
      try { await api("/api/canned-responses/" + c.id, "DELETE"); say(t("Deleted /{shortcut}.", { shortcut: c.shortcut })); await load(); }
      catch (e) { say(e.message, true); }
    });
    return el("tr", { "data-canned": String(c.id) },
      el("th", { scope: "row", text: "/" + c.shortcut }),
      el("td", { text: c.team_id ? teamName(c.team_id) : t("Everyone") }),
      el("td", { text: c.text }),
      el("td", {}, ...Object.keys(c.variants).map((l) => el("span", { class: "tag", text: l }))),
      el("td", {}, editBtn, " ", del));
  }

  async function load() {
    const [c, tr] = await Promise.all([api("/api/canned-responses?all=true&limit=200"),
      api("/api/admin/teams").catch(() => ({ teams: [] }))]);
    rows = c.canned_responses.sort((a, b) => a.shortcut.localeCompare(b.shortcut));
    teams = tr.teams;
    const pick = $("#canned-team"), keep = pick.value;
    pick.replaceChildren(el("option", { value: "", text: t("Everyone") }),
      ...teams.filter((x) => !x.archived).map((x) => el("option", { value: String(x.id), text: x.name })));
    pick.value = keep;
    $("#canned-rows").replaceChildren(...rows.map(row));
  }

  $("#add-variant").addEventListener("click", () => addVariant("", "").querySelector("input").focus());
  $("#canned-cancel").addEventListener("click", () => edit(null));
  $("#canned-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const variants = {};
    for (const v of $("#variants").children) {
      variants[v.querySelector(".variant-lang").value.trim()] = v.querySelector(".variant-text").value;
    }
    const team = $("#canned-team").value;
    const body = { shortcut: $("#canned-shortcut").value.trim(), text: $("#canned-text").value,
      team_id: team ? Number(team) : null, variants };
    const id = $("#canned-id").value;
    try {
      const c = id ? await api("/api/canned-responses/" + id, "PUT", body) : await api("/api/canned-responses", "POST", body);
      say(t("Saved /{shortcut}.", { shortcut: c.shortcut }));
      edit(null);
      await load();
    } catch (e) { say(e.message, true); }
  });

  load().catch((e) => say(e.message, true));
})();
