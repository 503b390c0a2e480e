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

  function row(t) {
    const revoke = el("button", { type: "button", text: "Revoke", "aria-label": "Revoke " + t.name, disabled: t.state !== "active" });
    revoke.addEventListener("click", async () => {
      if (!window.confirm("Revoke " + t.name + "? Scripts using it get 401 from their next call.")) return;
      try { const r = await api("/api/admin/tokens/" + t.id + "/revoke", "POST"); render(r.tokens); say(t.name + " revoked."); }
      catch (e) { say(e.message, true); }
    });
    return el("tr", { "data-token": String(t.id) },
      el("th", { scope: "row", text: t.name }),
      el("td", { text: t.agent.name }),
      el("td", {}, ...(t.scopes ? t.scopes.map((s) => el("span", { class: "tag", text: s })) : [el("span", { class: "tag", text: "all (old token)" })])),
      el("td", { text: when(t.created_at) }), el("td", { text: when(t.expires_at) }), el("td", { text: when(t.last_used_at) }),
      el("td", { class: "state-" + t.state, text: t.state }), el("td", {}, revoke));
  }

  const render = (tokens) => $("#token-rows").replaceChildren(...tokens.map(row));
  const load = async () => render((await api("/api/admin/tokens")).tokens);

  $("#token-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const scopes = [...document.querySelectorAll('input[name="scope"]:checked')].map((x) => x.value);
    const body = { name: $("#token-name").value.trim(), scopes };
    if ($("#token-expiry").value) body.expires_at = $("#token-expiry").value + "T00:00:00Z";
    try {
      const t = await api("/api/admin/tokens", "POST", body);
      $("#token-result").replaceChildren(
        el("p", { text: "Token " + t.name + " created. Copy it now: it is not shown again." }),
        el("p", { class: "secret-once", id: "token-secret", text: t.secret }));
      $("#token-form").reset();
      await load();
    } catch (e) { say(e.message, true); }
  });

  load().catch((e) => say(e.message, true));
})();
