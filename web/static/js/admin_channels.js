/* Channels admin: health at a glance, connect, pause/resume, test, poll now.
 * Text from the API is inserted with textContent only. */
(function () {
  "use strict";
  const { api } = window.murmur;
  const $ = (s) => document.querySelector(s);
  let kinds = [];
  const open = new Set();  // channels whose details are shown
  const PUSHED = t("pushed to us");
  const BASE = document.querySelector("main").dataset.baseUrl || location.origin;

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") n.textContent = v; else if (v != null) n.setAttribute(k, v);
    }
    n.append(...kids.filter((k) => k != null));
    return n;
  }
  // option names read as words: "reply_url" is "Reply URL"
  const WORDS = { url: "URL", id: "ID", api: "API", imap: "IMAP", smtp: "SMTP", tls: "TLS", rss: "RSS", http: "HTTP" };
  // settings every kind of channel may have, in the reader's words; the names a network's own console uses
  // (Channel secret, Page access token...) stay as that console writes them, so they can be found there
  const OPTION_LABELS = {
    backfill_days: t("Days to fetch back on the first poll"), batch_size: t("Messages per batch"),
    page_size: t("Results per page"), timeout: t("Time-out (seconds)"), display_name: t("Display name"),
    greeting: t("Greeting"), colour: t("Colour"), hours: t("Office hours"), prechat: t("Pre-chat form"),
    lang: t("Language"), allowed_origins: t("Allowed websites"), reply_url: t("Reply URL"), url: t("URL"),
    username: t("User name"), password: t("Password"), mailbox: t("Mailbox"), from_address: t("Sender address"),
    imap_host: t("IMAP server"), imap_port: t("IMAP port"), imap_ssl: t("IMAP over SSL"),
    smtp_host: t("SMTP server"), smtp_port: t("SMTP port"), smtp_starttls: t("SMTP with STARTTLS"),
    smtp_username: t("SMTP user name"), smtp_password: t("SMTP password"), query: t("Search query"),
    q: t("Search query"), hashtag: t("Hashtag"), subreddit: t("Subreddit"), base_url: t("Server address"),
    user_agent: t("User agent"),
  };

  // a setting's help comes from the connector in English; web/i18n/channel_help.py lists it for translators
  function helpText(help) {
    const said = t(help);
    return said !== help ? said : help[0].toUpperCase() + help.slice(1) + ".";
  }

  function words(name) {
    const parts = name.split("_").map((w) => WORDS[w] || w);
    return parts.map((w, i) => (i === 0 && w === w.toLowerCase() ? w[0].toUpperCase() + w.slice(1) : w)).join(" ");
  }

  // a webhook channel explains itself: where to POST, how to sign, where replies go
  function webhookDetails(c) {
    const url = BASE + c.webhook_url;
    const reply = c.settings && c.settings.reply_url;
    const body = '{"id":"order-1001-msg-1","text":"Where is my parcel?","author":{"id":"c-42","handle":"casey","name":"Casey"}}';
    const recipe = [
      "ts=$(date +%s)",
      `body='${body}'`,
      'sig=$(printf \'%s.%s\' "$ts" "$body" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" | sed \'s/^.* //\')',
      `curl -X POST '${url}' -H 'Content-Type: application/json' \\`,
      '  -H "X-Murmur-Timestamp: $ts" -H "X-Murmur-Signature: sha256=$sig" -d "$body"',
    ].join("\n");
    const replyForm = el("form", { class: "reply-url-form" },
      el("label", { for: `reply-url-${c.id}`, text: t("Reply URL") }),
      el("input", { id: `reply-url-${c.id}`, type: "url", value: reply || "", placeholder: "https://your-system.example/murmur-replies",
        "aria-describedby": `reply-help-${c.id}` }),
      el("button", { type: "submit", text: t("Save reply URL") }));
    replyForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const value = replyForm.querySelector("input").value.trim();
      try {
        await api(`/api/channels/${c.id}`, "PATCH", { settings: { reply_url: value || null } });
        $("#action-result").textContent = value ? t("{name}: replies go to {url}", { name: c.name, url: value })
          : t("{name}: replies go nowhere (no reply URL)", { name: c.name });
        load();
      } catch (e) { $("#action-result").textContent = t("Not saved: {error}", { error: e.message }); }
    });
    return el("div", { class: "channel-details" },
      el("h3", { text: t("Send messages to Murmur") }),
      el("p", { text: t("POST each message (or {example}, up to 1000) as JSON to:", { example: '{"messages": [...]}' }) }),
      el("code", { class: "copy", text: url }),
      el("h3", { text: t("Sign every request") }),
      el("p", { text: t("Two headers: {timestamp}, the Unix time in seconds (within 300 s of ours), and {signature} followed by the hex HMAC-SHA256 of {signed}, keyed with the channel's webhook secret (shown once when the channel was made). Repeats of a message id are stored once.",
        { timestamp: "X-Murmur-Timestamp", signature: "X-Murmur-Signature: sha256=", signed: '"<timestamp>.<raw body>"' }) }),
      el("pre", { class: "recipe", text: recipe }),
      el("h3", { text: t("How replies get back") }),
      el("p", { id: `reply-help-${c.id}`, text: reply
        ? t("An agent's reply is POSTed as JSON ({fields}), signed the same way, to {url}. Answer 2xx, optionally {answer}; failures are retried and shown on the message.",
          { fields: "delivery_id, thread, in_reply_to, text, public, recipient", url: reply, answer: '{"id": "<your id>"}' })
        : t("No reply URL yet, so agents see why they cannot reply on this channel. Set one to have each reply POSTed there as signed JSON ({fields}).",
          { fields: "delivery_id, thread, in_reply_to, text, public, recipient" }) }),
      replyForm);
  }


  // a website widget explains itself: the snippet to paste, where it may appear, how to verify users
  function widgetDetails(c) {
    const s = c.settings || {};
    const colour = /^#[0-9a-fA-F]{6}$/.test(s.colour || "") ? s.colour : "#2563eb";
    const snippet = `<script src="${BASE}/widget/loader.js" data-murmur-widget="${c.id}" data-colour="${colour}" async></script>`;
    const verify = [
      "// on your server, for a signed-in user:",
      "user_hash = HMAC_SHA256(identity_secret, user_id).hexdigest()",
      "// in the page, before the snippet:",
      'window.murmurUser = { user_id: "42", user_hash: "…", name: "Ploy", email: "ploy@example.com" };',
    ].join("\n");
    return el("div", { class: "channel-details" },
      el("h3", { text: t("Put the chat on your website") }),
      el("p", { text: t("Paste this before </body> on every page that should show the chat bubble:") }),
      el("code", { class: "copy", text: snippet }),
      el("p", { text: t("It appears only on these origins: {origins}. Any other site that loads it gets nothing.",
        { origins: [].concat(s.allowed_origins || []).join(", ") }) }),
      el("h3", { text: t("Signed-in customers (optional)") }),
      el("p", { text: t("Pass your user's id with its HMAC-SHA256, keyed with the widget's identity secret (shown once when the channel was made), so their chats join their customer record and nobody can pose as them.") }),
      el("pre", { class: "recipe", text: verify }));
  }

  function cell(text, cls) { const td = document.createElement("td"); td.textContent = text == null ? "–" : String(text); if (cls) td.className = cls; return td; }
  function when(iso) { return iso ? fmt.dateTime(iso) : "–"; }
  function button(label, fn) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = label;
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { $("#action-result").textContent = await fn(); } catch (e) { $("#action-result").textContent = t("Failed: {error}", { error: e.message }); }
      b.disabled = false; load();
    });
    return b;
  }

  // the last error, else what the network sent that could not be stored (no author, no date...)
  function problem(h) {
    if (h.last_error || !h.items_rejected) return h.last_error;
    const latest = h.rejected.length ? h.rejected[h.rejected.length - 1].item : "";
    return nt("{n} item rejected; latest {latest}", "{n} items rejected; latest {latest}", h.items_rejected, { n: h.items_rejected, latest });
  }

  function nextPoll(c) {
    const kind = kinds.find((k) => k.kind === c.kind);
    if (kind && !kind.pulled) return PUSHED;
    return c.enabled ? when(c.health.next_poll_at) : t("paused");
  }

  async function load() {
    const { channels } = await api("/api/channels");
    $("#channel-rows").replaceChildren(...channels.map((c) => {
      const h = c.health;
      const state = !c.enabled ? "paused" : h.consecutive_failures ? "failing" : "ok";
      const STATES = { paused: t("paused"), failing: t("failing"), ok: t("ok") };
      const tr = document.createElement("tr");
      const actions = cell("", "actions");
      actions.append(...[
        button(c.enabled ? t("Pause") : t("Resume"), async () => { await api(`/api/channels/${c.id}`, "PATCH", { enabled: !c.enabled }); return c.enabled ? t("{name}: paused", { name: c.name }) : t("{name}: resumed", { name: c.name }); }),
        button(t("Test"), async () => { const r = await api(`/api/channels/${c.id}/test`, "POST"); return r.ok ? `${c.name}: ${r.found}` : `${c.name}: ${r.error}`; }),
        nextPoll(c) === PUSHED ? null : button(t("Poll now"), async () => { const r = await api(`/api/channels/${c.id}/poll`, "POST"); return t("{name}: {status}, fetched {fetched}, stored {stored}, skipped {skipped}", { name: c.name, status: r.status, fetched: r.fetched, stored: r.stored, skipped: r.skipped }) + (r.error ? `, ${r.error}` : ""); }),
      ].filter(Boolean));
      const details = c.kind === "webhook" ? webhookDetails(c) : c.kind === "widget" ? widgetDetails(c) : (window.murmurChannelGuide ? window.murmurChannelGuide(c, BASE) : null);
      if (details) {
        const more = el("button", { type: "button", class: "link", "aria-expanded": String(open.has(c.id)),
          "aria-controls": `details-${c.id}`, text: t("How to connect") });
        more.addEventListener("click", () => {
          if (open.has(c.id)) open.delete(c.id); else open.add(c.id);
          load();
        });
        actions.append(more);
      }
      tr.append(cell(c.name), cell(c.kind), cell(STATES[state], "state-" + state), cell(when(h.last_success_at)),
        cell(h.items_stored), cell(nextPoll(c)), cell(problem(h), "err"), actions);
      if (!details || !open.has(c.id)) return [tr];
      const row = el("tr", { id: `details-${c.id}`, class: "details-row" }, el("td", { colspan: "8" }, details));
      return [tr, row];
    }).flat());
  }

  function renderOptions() {
    const kind = kinds.find((k) => k.kind === $("#kind").value);
    const box = $("#options");
    box.replaceChildren();
    for (const o of (kind ? kind.options : [])) {
      const id = "opt-" + o.name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = (OPTION_LABELS[o.name] || words(o.name)) + (o.required ? " " + t("(required)") : "") + (o.secret ? " · " + t("secret, stored encrypted") : "");
      const input = document.createElement("input");
      input.id = id; input.name = o.name; input.dataset.secret = o.secret ? "1" : "";
      if (o.help) { input.setAttribute("aria-describedby", id + "-help"); }
      input.type = o.secret ? "password" : "text"; input.required = !!o.required; input.autocomplete = "off";
      if (o.default != null) input.placeholder = String(o.default);
      box.append(label, input);
      if (o.help) box.append(el("p", { id: id + "-help", class: "help", text: helpText(o.help) }));
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
      out.replaceChildren(document.createTextNode(t("Connected {name} (#{id}). Webhook URL: {url}", { name: ch.name, id: ch.id, url: location.origin + ch.webhook_url })));
      if (ch.generated_secrets) {
        for (const [k, v] of Object.entries(ch.generated_secrets)) {
          const p = document.createElement("p"); p.className = "secret-once";
          p.textContent = t("{key}: {value} (shown once; copy it now)", { key: k, value: v }); out.append(p);
        }
      }
      ev.target.reset(); renderOptions(); load();
    } catch (e) { $("#add-result").textContent = t("Not connected: {error}", { error: e.message }); }
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
