/* Channels admin: health at a glance, connect, pause/resume, test, poll now.
 * Text from the API is inserted with textContent only. */
(function () {
  "use strict";
  const { api } = window.murmur;
  const $ = (s) => document.querySelector(s);
  let kinds = [];


  function cell(text, cls) { const td = document.createElement("td"); td.textContent = text == null ? "–" : String(text); if (cls) td.className = cls; return td; }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }
  function button(label, fn) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = label;
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { $("#action-result").textContent = await fn(); } catch (e) { $("#action-result").textContent = "Failed: " + e.message; }
      b.disabled = false; load();
    });
    return b;
  }

  // the last error, else what the network sent that could not be stored (no author, no date...)
  function problem(h) {
    if (h.last_error || !h.items_rejected) return h.last_error;
    const latest = h.rejected.length ? h.rejected[h.rejected.length - 1].item : "";
    return `${h.items_rejected} item(s) rejected; latest ${latest}`;
  }

  async function load() {
    const { channels } = await api("/api/channels");
    $("#channel-rows").replaceChildren(...channels.map((c) => {
      const h = c.health;
      const state = !c.enabled ? "paused" : h.consecutive_failures ? "failing" : "ok";
      const tr = document.createElement("tr");
      const actions = cell("", "actions");
      actions.append(
        button(c.enabled ? "Pause" : "Resume", async () => { await api(`/api/channels/${c.id}`, "PATCH", { enabled: !c.enabled }); return `${c.name}: ${c.enabled ? "paused" : "resumed"}`; }),
        button("Test", async () => { const r = await api(`/api/channels/${c.id}/test`, "POST"); return r.ok ? `${c.name}: ${r.found}` : `${c.name}: ${r.error}`; }),
        button("Poll now", async () => { const r = await api(`/api/channels/${c.id}/poll`, "POST"); return `${c.name}: ${r.status}, fetched ${r.fetched}, stored ${r.stored}, skipped ${r.skipped}` + (r.error ? `, ${r.error}` : ""); }));
      tr.append(cell(c.name), cell(c.kind), cell(state, "state-" + state), cell(when(h.last_success_at)),
        cell(h.items_stored), cell(when(h.next_poll_at)), cell(problem(h), "err"), actions);
      return tr;
    }));
  }

  function renderOptions() {
    const kind = kinds.find((k) => k.kind === $("#kind").value);
    const box = $("#options");
    box.replaceChildren();
    for (const o of (kind ? kind.options : [])) {
      const id = "opt-" + o.name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = o.name + (o.required ? " *" : "") + (o.secret ? " (secret)" : "") + (o.help ? " – " + o.help : "");
      const input = document.createElement("input");
      input.id = id; input.name = o.name; input.dataset.secret = o.secret ? "1" : "";
      input.type = o.secret ? "password" : "text"; input.required = !!o.required; input.autocomplete = "off";
      if (o.default != null) input.placeholder = String(o.default);
      box.append(label, input);
    }
  }

  $("#add-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const settings = {}, secrets = {};
    for (const input of $("#options").querySelectorAll("input")) {
      if (!input.value) continue;
      let v = input.value;
      if (/^\d+$/.test(v)) v = Number(v); else if (v === "true" || v === "false") v = v === "true";
      (input.dataset.secret ? secrets : settings)[input.name] = v;
    }
    try {
      const ch = await api("/api/channels", "POST", { kind: $("#kind").value, name: $("#name").value, settings, secrets });
      const out = $("#add-result");
      out.replaceChildren(document.createTextNode(`Connected ${ch.name} (#${ch.id}). Webhook URL: ${location.origin}${ch.webhook_url}`));
      if (ch.generated_secrets) {
        for (const [k, v] of Object.entries(ch.generated_secrets)) {
          const p = document.createElement("p"); p.className = "secret-once";
          p.textContent = `${k}: ${v} (shown once; copy it now)`; out.append(p);
        }
      }
      ev.target.reset(); renderOptions(); load();
    } catch (e) { $("#add-result").textContent = "Not connected: " + e.message; }
  });

  (async () => {
    kinds = (await api("/api/channel-kinds")).kinds;
    $("#kind").replaceChildren(...kinds.map((k) => { const o = document.createElement("option"); o.value = k.kind; o.textContent = k.kind; return o; }));
    $("#kind").addEventListener("change", renderOptions);
    renderOptions();
    load();
    setInterval(load, 15000);
  })();
})();
