/* API tokens: create (the secret shown once), list with last use, revoke. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (s) => document.querySelector(s);
  const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "—");

  function say(text, bad) {
    const out = $("#token-result");
    out.replaceChildren(el("p", { text, class: bad ? "bad" : "" }));
  }

  function row(tk) {
    const revoke = el("button", { type: "button", text: t("Revoke"), "aria-label": t("Revoke {name}", { name: tk.name }), disabled: tk.state !== "active" });
    revoke.addEventListener("click", async () => {
      if (!window.confirm(t("Revoke {name}? Scripts using it get 401 from their next call.", { name: tk.name }))) return;
      try { const r = await api("/api/admin/tokens/" + tk.id + "/revoke", "POST"); render(r.tokens); say(t("{name} revoked.", { name: tk.name })); }
      catch (e) { say(e.message, true); }
    });
    return el("tr", { "data-token": String(tk.id) },
      el("th", { scope: "row", text: tk.name }),
      el("td", { text: tk.agent.name }),
      el("td", {}, ...(tk.scopes ? tk.scopes.map((s) => el("span", { class: "tag", text: s, translate: "no" })) : [el("span", { class: "tag", text: t("all (old token)") })])),
      el("td", { text: when(tk.created_at) }), el("td", { text: when(tk.expires_at) }), el("td", { text: when(tk.last_used_at) }),
      el("td", { class: "state-" + tk.state, text: { active: t("active"), revoked: t("revoked"), expired: t("expired") }[tk.state] || tk.state }), el("td", {}, revoke));
  }

  const render = (tokens) => $("#token-rows").replaceChildren(...tokens.map(row));
  const load = async () => render((await api("/api/admin/tokens")).tokens);

  $("#token-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const scopes = [...document.querySelectorAll('input[name="scope"]:checked')].map((x) => x.value);
    const body = { name: $("#token-name").value.trim(), scopes };
    if ($("#token-expiry").value) body.expires_at = $("#token-expiry").value + "T00:00:00Z";
    try {
      const made = await api("/api/admin/tokens", "POST", body);
      $("#token-result").replaceChildren(
        el("p", { text: t("Token {name} created. Copy it now: it is not shown again.", { name: made.name }) }),
        el("p", { class: "secret-once", id: "token-secret", text: made.secret }));
      $("#token-form").reset();
      await load();
    } catch (e) { say(e.message, true); }
  });

  load().catch((e) => say(e.message, true));
})();
