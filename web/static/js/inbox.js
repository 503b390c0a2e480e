/* Murmur live inbox: the ranked queue, one conversation, the customer's story.
 * Everything from customers is inserted with textContent; nothing they write is parsed as HTML. */
(function () {
  "use strict";
  const me = Number(document.querySelector(".panes").dataset.agentId);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const state = { view: "all", convs: new Map(), current: null, messageIds: new Set() };
  const $ = (sel) => document.querySelector(sel);

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("data-")) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const kid of kids) if (kid != null) node.append(kid);
    return node;
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers["X-CSRFToken"] = csrf;
    if (opts.body && typeof opts.body !== "string") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.body);
    }
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
    return data;
  }

  function viewQuery() {
    if (state.view === "mine") return "?assignee=me";
    if (state.view === "unassigned") return "?assignee=none";
    return "";
  }

  function inView(c) {
    if (c.status !== "open") return false;
    if (state.view === "mine") return c.assignee_id === me;
    if (state.view === "unassigned") return c.assignee_id === null;
    return true;
  }

  function prioClass(p) { return p >= 60 ? "high" : p >= 30 ? "mid" : "low"; }

  function why(c) {
    const parts = (c.priority_components || [])
      .filter((p) => p.contribution > 0.05)
      .sort((a, b) => b.contribution - a.contribution)
      .map((p) => `${p.name} +${p.contribution.toFixed(1)}${p.detail ? " (" + p.detail + ")" : ""}`);
    return parts.length ? parts.join(" · ") : "no urgency signals";
  }

  function renderQueue() {
    const list = $("#queue");
    const items = [...state.convs.values()].filter(inView)
      .sort((a, b) => b.priority - a.priority || (b.last_message_at || "").localeCompare(a.last_message_at || ""));
    list.replaceChildren(...items.map((c) => {
      const tags = el("div", { class: "tags" },
        el("span", { class: "chip", text: c.channel }),
        c.customer_vip ? el("span", { class: "chip vip", text: "VIP" }) : null,
        ...c.labels.map((l) => el("span", { class: "chip " + l, text: l })),
        c.assignee_id ? el("span", { text: c.assignee_id === me ? " · you" : " · agent " + c.assignee_id })
                      : el("span", { text: c.queue_reason ? " · " + c.queue_reason : " · unassigned" }));
      const btn = el("button", { class: "queue-item", type: "button", title: "Why: " + why(c), "data-id": String(c.id) },
        el("span", { class: "prio " + prioClass(c.priority), text: String(Math.round(c.priority)) }),
        el("span", {}, el("div", { class: "who", text: c.customer_name || "Unknown" }),
          el("div", { class: "snippet", text: c.subject || "" }), tags));
      if (state.current === c.id) btn.setAttribute("aria-current", "true");
      btn.addEventListener("click", () => openConversation(c.id));
      return el("li", { "data-id": String(c.id) }, btn);
    }));
    $("#queue-count").textContent = items.length + " open";
  }

  function upsert(conv, flash) {
    state.convs.set(conv.id, Object.assign(state.convs.get(conv.id) || {}, conv));
    renderQueue();
    if (flash) {
      const li = document.querySelector(`#queue li[data-id="${conv.id}"]`);
      if (li) li.classList.add("flash");
    }
    if (state.current === conv.id) renderHead(state.convs.get(conv.id));
  }

  async function loadQueue() {
    const data = await api("/api/conversations" + viewQuery());
    state.convs.clear();
    for (const c of data.conversations) state.convs.set(c.id, c);
    renderQueue();
  }

  function renderHead(c) {
    $("#thread-title").textContent = c.customer_name || "Conversation";
    $("#thread-meta").textContent = `${c.channel} · ${c.public ? "public mention" : "direct message"} · ${c.status}` +
      (c.language ? " · " + c.language : "");
    const w = $("#thread-why");
    w.replaceChildren(el("b", { text: "Priority " + Math.round(c.priority) + ": " }), document.createTextNode(why(c)));
  }

  function deliveryText(d) {
    if (!d) return null;
    if (d.status === "sent") return "sent";
    if (d.status === "failed") return "failed: " + (d.error || "unknown error");
    return d.attempts ? `queued (attempt ${d.attempts}${d.error ? ", " + d.error : ""})` : "queued";
  }

  function messageNode(m) {
    const author = m.direction === "in" ? (m.author ? (m.author.display_name || m.author.handle) : "customer")
      : m.direction === "note" ? "Note" : "Reply";
    const meta = el("div", { class: "meta" },
      el("span", { text: author }),
      el("time", { text: new Date(m.created_at).toLocaleString(), dateTime: m.created_at }),
      m.sentiment_label ? el("span", { class: "sent " + m.sentiment_label,
        text: `${m.sentiment_label} ${m.sentiment >= 0 ? "+" : ""}${(m.sentiment || 0).toFixed(2)}`,
        title: (m.sentiment_reasons || []).join(", ") }) : null,
      m.delivery ? el("span", { class: "delivery", "data-message": String(m.id), text: deliveryText(m.delivery) }) : null,
      m.url ? el("a", { href: /^https?:\/\//.test(m.url) ? m.url : "#", rel: "noopener noreferrer", target: "_blank",
                         text: "open" }) : null);
    return el("li", { class: "msg " + m.direction, "data-id": String(m.id) }, meta, el("div", { class: "body", text: m.text }));
  }

  function appendMessage(m) {
    if (state.messageIds.has(m.id)) return;
    state.messageIds.add(m.id);
    const list = $("#messages");
    list.append(messageNode(m));
    list.scrollTop = list.scrollHeight;
  }

  async function openConversation(id) {
    if (state.current && socket) socket.emit("leave_conversation", { conversation_id: state.current });
    state.current = id;
    state.messageIds = new Set();
    renderQueue();
    const c = await api(`/api/conversations/${id}`);
    state.convs.set(c.id, Object.assign(state.convs.get(c.id) || {}, c));
    $("#thread-empty").hidden = true;
    $("#thread").hidden = false;
    renderHead(c);
    $("#messages").replaceChildren();
    c.messages.forEach(appendMessage);
    $("#viewers").textContent = "";
    if (socket) socket.emit("join_conversation", { conversation_id: id });
    loadCustomer(c.customer_id);
  }

  async function loadCustomer(id) {
    const cust = await api(`/api/customers/${id}`);
    $("#customer-empty").hidden = true;
    $("#customer").hidden = false;
    $("#customer-name").textContent = cust.name || "Unknown";
    $("#customer-badges").replaceChildren(
      el("span", { class: "chip", text: cust.lifecycle_stage }),
      cust.vip ? el("span", { class: "chip vip", text: "VIP" }) : null,
      cust.rfm_segment ? el("span", { class: "chip", text: cust.rfm_segment }) : null);
    $("#identities").replaceChildren(...cust.identities.map((i) =>
      el("li", {}, el("b", { text: i.channel + " " }), document.createTextNode("@" + i.handle),
        el("span", { class: "muted", text: ` · ${i.followers} followers` }))));
    $("#history").replaceChildren(...cust.timeline.slice(-30).reverse().map((m) =>
      el("li", {}, el("span", { class: "muted", text: `${m.channel} · ${new Date(m.created_at).toLocaleDateString()} · ` }),
        document.createTextNode(m.text.slice(0, 140)))));
  }

  $("#reply-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("#reply-text").value.trim();
    if (!text || !state.current) return;
    const m = await api(`/api/conversations/${state.current}/replies`, {
      method: "POST", body: { text, private: $("#reply-private").checked } });
    appendMessage(m);
    $("#reply-text").value = "";
  });

  $("#reply-text").addEventListener("input", () => {
    if (socket && state.current) socket.emit("typing", { conversation_id: state.current, active: true });
  });

  $("#resolve").addEventListener("click", async () => {
    if (!state.current) return;
    const c = await api(`/api/conversations/${state.current}`, { method: "PATCH", body: { status: "resolved" } });
    upsert(c, false);
  });

  document.querySelectorAll(".views button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll(".views button").forEach((x) => x.classList.toggle("active", x === b));
    state.view = b.dataset.view;
    loadQueue();
  }));

  const socket = window.io ? window.io({ transports: ["websocket"] }) : null;
  if (socket) {
    socket.on("connect", () => {
      const c = $("#connection"); c.textContent = "live"; c.className = "conn online";
      loadQueue();  // catch up on anything missed while disconnected
      if (state.current) socket.emit("join_conversation", { conversation_id: state.current });
    });
    socket.on("disconnect", () => { const c = $("#connection"); c.textContent = "offline"; c.className = "conn offline"; });
    socket.on("conversation.created", (e) => upsert(e.conversation, true));
    socket.on("conversation.updated", (e) => upsert(e.conversation, false));
    socket.on("conversation.assigned", (e) => upsert(e.conversation, true));
    socket.on("conversation.escalated", (e) => upsert(e.conversation, true));
    socket.on("message.created", (e) => {
      upsert(e.conversation, true);
      if (state.current === e.message.conversation_id) appendMessage(e.message);
    });
    socket.on("outbox.updated", (e) => {
      const node = document.querySelector(`.delivery[data-message="${e.message_id}"]`);
      if (node) node.textContent = deliveryText(e.delivery);
    });
    socket.on("viewing", (e) => {
      if (e.conversation_id === state.current && e.agent_id !== me)
        $("#viewers").textContent = e.active ? `${e.name || "Another agent"} is viewing` : "";
    });
    let typingTimer = null;
    socket.on("typing", (e) => {
      if (e.conversation_id !== state.current || e.agent_id === me) return;
      $("#typing").textContent = "Another agent is typing…";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $("#typing").textContent = ""; }, 3000);
    });
  } else {
    loadQueue();
  }
})();
