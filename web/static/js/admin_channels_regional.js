/* Channels admin, LINE, WhatsApp and WeChat: the webhook URL, what to paste where in each
 * platform's console, and what the channel's health says (LINE's monthly quota). Used by
 * admin_channels.js through window.murmurChannelGuide(channel, base); text only via textContent. */
(function () {
  "use strict";
  const t = window.t || ((s, v) => s.replace(/\{(\w+)\}/g, (w, k) => (v && k in v ? String(v[k]) : w)));

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") n.textContent = v; else if (v != null) n.setAttribute(k, v);
    }
    n.append(...kids.filter((k) => k != null));
    return n;
  }
  const steps = (items) => el("ol", { class: "steps" }, ...items.map((s) => el("li", { text: s })));

  function quota(c) {
    const q = c.health && c.health.quota;
    if (!q) return t("Press Test to read this month's message quota.");
    if (q.limit == null) return t("Messages pushed this month: {used} (no monthly limit).", { used: q.used });
    return t("Messages pushed this month: {used} of {limit}.", { used: q.used, limit: q.limit });
  }

  const GUIDES = {
    line: (c) => [
      el("h3", { text: t("Paste into the LINE Developers Console") }),
      steps([
        t("Open your provider, then the Messaging API channel of your LINE Official Account."),
        t("On the Messaging API tab, paste the webhook URL above into Webhook URL, press Verify, and switch on Use webhook."),
        t("Copy the Channel secret (Basic settings tab) and a long-lived Channel access token (Messaging API tab) into this channel's secrets."),
        t("In the LINE Official Account Manager, switch off auto-reply messages so that your team answers."),
      ]),
      el("h3", { text: t("How replies get back") }),
      el("p", { text: t("A reply sent within {seconds} seconds of the customer's message uses its reply token, which is free. Later replies go through the push API and count against the monthly quota; each reply shows which way it went.", { seconds: (c.settings && c.settings.reply_token_seconds) || 50 }) }),
      el("h3", { text: t("Health") }),
      el("p", { class: "quota", text: quota(c) }),
    ],
    whatsapp: () => [
      el("h3", { text: t("Paste into Meta for Developers") }),
      steps([
        t("Open your app, then WhatsApp and Configuration."),
        t("Paste the webhook URL above as the Callback URL and type this channel's verify token as the Verify token, then press Verify and save."),
        t("Subscribe to the messages webhook field, which also brings the sent, delivered, read and failed reports."),
        t("Put the App secret, a system user's permanent access token, the Phone number ID and the WhatsApp Business Account ID into this channel."),
      ]),
      el("h3", { text: t("How replies get back") }),
      el("p", { text: t("Agents answer freely for 24 hours after the customer's last message. After that, WhatsApp accepts only the account's approved message templates, which the reply box offers with their variables.") }),
    ],
    wechat: () => [
      el("h3", { text: t("Paste into the WeChat Official Accounts Platform") }),
      steps([
        t("Open Settings and Development, then Basic configuration, then Server configuration, and press Modify configuration."),
        t("Paste the webhook URL above as the server URL and type the same Token as this channel's token."),
        t("For safe mode, paste the EncodingAESKey into this channel too; plain and compatible mode work as well."),
        t("Submit, then Enable. Add this server's public IP address to the IP whitelist so that it can fetch access tokens."),
      ]),
      el("h3", { text: t("How replies get back") }),
      el("p", { text: t("Replies go through the customer-service message API, which reaches a customer for 48 hours after their last message.") }),
    ],
  };

  window.murmurChannelGuide = function (c, base) {
    const guide = GUIDES[c.kind];
    if (!guide) return null;
    return el("div", { class: "channel-details" },
      el("h3", { text: t("Webhook URL") }),
      el("code", { class: "copy", text: base + c.webhook_url }),
      ...guide(c));
  };
})();
