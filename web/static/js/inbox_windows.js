/* The reply box and a network's reply window (WhatsApp 24 hours, WeChat 48 hours).
 * inbox.js calls window.murmurReplyWindow(conversation) whenever it draws the composer: inside the
 * window nothing changes but a quiet line saying until when; outside it the free reply is switched
 * off with the reason, and on WhatsApp the account's approved templates are offered, each with its
 * variables to fill in and a preview of what the customer will read. Text only via textContent. */
(function () {
  "use strict";
  const tr = window.t || ((s, v) => s.replace(/\{(\w+)\}/g, (w, k) => (v && k in v ? String(v[k]) : w)));
  const $ = (s) => document.querySelector(s);
  const api = (path, method, body) => window.murmur.api(path, method, body);
  const VAR = /\{\{\s*(\w+)\s*\}\}/g;

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") n.textContent = v; else if (v != null) n.setAttribute(k, v);
    }
    n.append(...kids.filter((k) => k != null));
    return n;
  }

  function slot() {
    let box = $("#reply-window");
    if (!box) {
      box = el("div", { id: "reply-window", class: "reply-window", role: "note" });
      $("#no-reply").after(box);
    }
    return box;
  }

  function closedText(w) {
    if (w.kind === "whatsapp") {
      return tr("More than 24 hours have passed since the customer's last WhatsApp message, so WhatsApp accepts only an approved message template until they write again.");
    }
    return tr("More than 48 hours have passed since the customer's last WeChat message, so the customer-service API cannot reach them until they write again. Private notes still work.");
  }

  function forceNote() {
    const pub = $("#reply-public");
    pub.disabled = true;
    pub.closest("label").hidden = true;
    if (!$("#reply-private").checked) {
      $("#reply-private").checked = true;
      $("#reply-private").dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function filled(body, names, inputs) {
    const values = Object.fromEntries(names.map((n, i) => [n, inputs[i].value]));
    return body.replace(VAR, (all, key) => (values[key] ? values[key] : all));
  }

  async function picker(conversationId, box) {
    const form = el("form", { id: "template-form", class: "template-form" });
    box.append(form);
    let listed;
    try {
      listed = await api(`/api/conversations/${conversationId}/templates`);
    } catch (e) {
      form.append(el("p", { class: "error", role: "alert", text: tr("The templates could not be listed: {error}", { error: e.message }) }));
      return;
    }
    if (!listed.templates.length) {
      form.append(el("p", { text: tr("This WhatsApp account has no approved message templates yet.") }));
      return;
    }
    const choose = el("select", { id: "template-name" },
      ...listed.templates.map((t, i) => el("option", { value: String(i), text: `${t.name} (${t.language})` })));
    const fields = el("div", { class: "template-vars" });
    const preview = el("p", { id: "template-preview", class: "template-preview", "aria-live": "polite" });
    const result = el("span", { id: "template-error", class: "error", role: "alert" });
    let inputs = [];
    const current = () => listed.templates[Number(choose.value)];
    function draw() {
      const t = current();
      inputs = t.variables.map((n) => el("input", { id: `template-var-${n}`, required: "", maxlength: "1000" }));
      fields.replaceChildren(...t.variables.map((n, i) => el("label", { for: inputs[i].id, text: tr("Variable {name}", { name: n }) }, inputs[i])));
      inputs.forEach((input) => input.addEventListener("input", () => { preview.textContent = filled(t.body, t.variables, inputs); }));
      preview.textContent = filled(t.body, t.variables, inputs);
    }
    choose.addEventListener("change", draw);
    form.append(el("label", { for: "template-name", text: tr("Approved template") }, choose), fields,
      el("p", { class: "muted", text: tr("The customer will read:") }), preview,
      el("button", { type: "submit", class: "primary", text: tr("Send template") }), result);
    draw();
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const t = current();
      result.textContent = "";
      try {
        await api(`/api/conversations/${conversationId}/replies`, "POST", {
          text: filled(t.body, t.variables, inputs),
          template: { name: t.name, language: t.language, variables: inputs.map((i) => i.value) },
        });
        inputs.forEach((i) => { i.value = ""; });
        preview.textContent = filled(t.body, t.variables, inputs);
      } catch (e) { result.textContent = e.message; }
    });
  }

  window.murmurReplyWindow = function (c) {
    const box = slot();
    const w = c && c.reply_window;
    box.replaceChildren();
    box.hidden = !w;
    if (!w) return;
    if (w.open) {
      const until = new Date(w.closes_at).toLocaleString();
      box.append(el("p", { class: "muted", text: tr("Replies reach this customer until {time} ({hours}-hour window).", { time: until, hours: w.hours }) }));
      return;
    }
    box.append(el("p", { id: "window-closed", class: "no-reply", text: closedText(w) }));
    forceNote();
    if (w.templates) picker(c.id, box);
  };
})();
