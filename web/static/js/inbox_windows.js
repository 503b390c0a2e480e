/* The reply box and a network's reply window (WhatsApp 24 hours, WeChat 48 hours).
 * inbox.js calls window.murmurReplyWindow(conversation) whenever it draws the composer: inside the
 * window nothing changes but a quiet line saying until when; outside it the free reply is switched
 * off with the reason, and on WhatsApp the account's approved templates are offered, each with its
 * variables to fill in and a preview of what the customer will read. Text only via textContent. */
(function () {
  "use strict";
  const t = window.t || ((s, v) => s.replace(/\{(\w+)\}/g, (w, k) => (v && k in v ? String(v[k]) : w)));
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
      return t("More than 24 hours have passed since the customer's last WhatsApp message, so WhatsApp accepts only an approved message template until they write again.");
    }
    return t("More than 48 hours have passed since the customer's last WeChat message, so the customer-service API cannot reach them until they write again. Private notes still work.");
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
      form.append(el("p", { class: "error", role: "alert", text: t("The templates could not be listed: {error}", { error: e.message }) }));
      return;
    }
    if (!listed.templates.length) {
      form.append(el("p", { text: t("This WhatsApp account has no approved message templates yet.") }));
      return;
    }
    const choose = el("select", { id: "template-name" },
      ...listed.templates.map((tpl, i) => el("option", { value: String(i), text: `${tpl.name} (${tpl.language})` })));
    const fields = el("div", { class: "template-vars" });
    const preview = el("p", { id: "template-preview", class: "template-preview", "aria-live": "polite" });
    const result = el("span", { id: "template-error", class: "error", role: "alert" });
    let inputs = [];
    const current = () => listed.templates[Number(choose.value)];
    function draw() {
      const tpl = current();
      inputs = tpl.variables.map((n) => el("input", { id: `template-var-${n}`, required: "", maxlength: "1000" }));
      fields.replaceChildren(...tpl.variables.map((n, i) => el("label", { for: inputs[i].id, text: t("Variable {name}", { name: n }) }, inputs[i])));
      inputs.forEach((input) => input.addEventListener("input", () => { preview.textContent = filled(tpl.body, tpl.variables, inputs); }));
      preview.textContent = filled(tpl.body, tpl.variables, inputs);
    }
    choose.addEventListener("change", draw);
    form.append(el("label", { for: "template-name", text: t("Approved template") }, choose), fields,
      el("p", { class: "muted", text: t("The customer will read:") }), preview,
      el("button", { type: "submit", class: "primary", text: t("Send template") }), result);
    draw();
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const tpl = current();
      result.textContent = "";
      try {
        await api(`/api/conversations/${conversationId}/replies`, "POST", {
          text: filled(tpl.body, tpl.variables, inputs),
          template: { name: tpl.name, language: tpl.language, variables: inputs.map((i) => i.value) },
        });
        inputs.forEach((i) => { i.value = ""; });
        preview.textContent = filled(tpl.body, tpl.variables, inputs);
      } catch (e) { result.textContent = e.message; }
    });
  }

  // how a reply went (LINE: reply token or push) and what the network said of it since (WhatsApp)
  const ROUTES = {
    "reply token": () => t("with the reply token (free)"),
    "push API": () => t("through the push API (counts against the monthly quota)"),
  };
  window.murmurDeliveryDetail = function (d) {
    if (!d) return "";
    const parts = [];
    if (d.route && ROUTES[d.route]) parts.push(ROUTES[d.route]());
    if (d.network_state === "delivered") parts.push(t("delivered to the customer"));
    else if (d.network_state === "read") parts.push(t("read by the customer"));
    else if (d.network_state === "failed") {
      parts.push(d.network_error ? t("not delivered: {error}", { error: d.network_error }) : t("not delivered"));
    }
    return parts.length ? " · " + parts.join(" · ") : "";
  };

  window.murmurReplyWindow = function (c) {
    const box = slot();
    const w = c && c.reply_window;
    box.replaceChildren();
    box.hidden = !w;
    if (!w) return;
    if (w.open) {
      const until = new Date(w.closes_at).toLocaleString();
      box.append(el("p", { class: "muted", text: t("Replies reach this customer until {time} ({hours}-hour window).", { time: until, hours: w.hours }) }));
      return;
    }
    box.append(el("p", { id: "window-closed", class: "no-reply", text: closedText(w) }));
    forceNote();
    if (w.templates) picker(c.id, box);
  };
})();
