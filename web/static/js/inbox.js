/* Murmur live inbox: the ranked queue, one conversation, the customer's story.
 * Everything from customers is inserted as text nodes or rebuilt element by element from an
 * allow-list (see richBody); nothing they write is ever given to innerHTML. The page runs under a
 * strict CSP (no inline script or handlers), so every behaviour is bound here. */
(function () {
  "use strict";
  const panes = document.querySelector(".panes");
  const me = Number(panes.dataset.agentId);
  const myName = panes.dataset.agentName || "";
  const api = (path, options) => window.murmur.api(path, options && options.method, options && options.body);
  const state = {
    view: "open", convs: new Map(), current: null, messageIds: new Set(), customer: null,
    filters: { kind: "", sentiment: "", sort: "priority" }, expanded: new Set(), unseen: new Set(),
    selected: new Set(), since: null, lastMerge: null,
  };
  const $ = (sel) => document.querySelector(sel);
  // every active agent and team by name (from the page), so assignment reads as names, never "agent 3"
  const people = (() => {
    try { return JSON.parse(document.getElementById("people").textContent); } catch (e) { return { agents: [], teams: [] }; }
  })();
  const agentNames = new Map(people.agents.map((a) => [a.id, a.name]));
  const teamNames = new Map(people.teams.map((t) => [t.id, t.name]));
  function agentName(id) { return id === me ? t("you") : agentNames.get(id) || t("agent {id}", { id }); }
  function teamName(id) { return teamNames.get(id) || t("team {id}", { id }); }
  // the views: which conversations each holds, and what its count says it counts
  const VIEWS = {
    mine: { title: t("Assigned to you"), test: (c) => c.status === "open" && c.assignee_id === me, noun: "open" },
    unassigned: { title: t("Unassigned"), test: (c) => c.status === "open" && c.assignee_id == null, noun: "open" },
    open: { title: t("Open conversations"), test: (c) => c.status === "open", noun: "open" },
    pending: { title: t("Pending: waiting on the customer"), test: (c) => c.status === "pending", noun: "pending" },
    snoozed: { title: t("Snoozed"), test: (c) => c.status === "snoozed", noun: "snoozed" },
    resolved: { title: t("Resolved"), test: (c) => c.status === "resolved", noun: "resolved" },
    all: { title: t("All conversations"), test: () => true, noun: "all" },
  };
  const STATUS_LIMIT = 200;
  const full = {};  // status -> true when its list was cut at STATUS_LIMIT (the count then reads "200+")
  // letters, not emoji: every font has them, and a colour per channel tells them apart at a glance
  const CHANNEL_BADGES = { widget: "Web", mastodon: "Ma", bluesky: "Bs", x: "X", reddit: "Rd", telegram: "Tg", email: "@", mail: "@",
    rss: "Rs", meta: "Me", facebook: "Fb", instagram: "Ig", whatsapp: "Wa", webhook: "Wh", demo: "De", weibo: "Wb",
    line: "Ln", pantip: "Pt" };
  function badge(channel) {
    const kind = String(channel || "");
    return el("span", { class: "ch ch-" + kind.replace(/[^a-z0-9_-]/gi, ""), title: kind,
      text: CHANNEL_BADGES[kind] || kind.slice(0, 2) || "?" });
  }
  const PART_NAMES = { negativity: t("Negative tone"), reach: t("Reach"), customer_value: t("Customer value"),
    urgency: t("Urgent words"), waiting: t("Waiting"), visibility: t("Public"), repeat_contact: t("Repeat contact"),
    rule: t("Rule"), rules: t("Rules"), escalation: t("Escalated") };
  // a conversation's status as people read it (the value sent to the server stays English)
  const STATUS_NAMES = { open: t("open"), pending: t("pending"), snoozed: t("snoozed"), resolved: t("resolved"),
    all: t("in all") };
  function statusName(s) { return STATUS_NAMES[s] || s; }

  const { el } = window.murmur;


  function toast(text, kind) {
    const t = el("div", { class: "toast " + (kind || ""), role: kind === "error" ? "alert" : "status", text });
    $("#toasts").append(t);
    setTimeout(() => t.remove(), 5000);
  }

  function ago(iso) {
    if (!iso) return "";
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 60) return t("now");
    if (s < 3600) return t("{n}m", { n: Math.floor(s / 60) });
    if (s < 86400) return t("{n}h", { n: Math.floor(s / 3600) });
    return t("{n}d", { n: Math.floor(s / 86400) });
  }

  // ---- read markers: what this agent has seen, per conversation ------------------------------
  // Kept in this browser's localStorage under a key per agent, so they survive reloads and are shared by
  // the agent's tabs. A marker is the conversation's own (server clock) timestamp of the newest customer
  // message the agent has had in front of them, never the browser's clock, so a skewed clock cannot hide
  // or invent unread messages.
  const READ_KEY = "murmur.read." + me;
  const READ_KEEP = 1000;  // markers kept (the most recent ones); older conversations count as read
  let readMarks = loadReadMarks();

  function loadReadMarks() {
    try {
      const raw = JSON.parse(localStorage.getItem(READ_KEY) || "{}");
      return raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {};
    } catch (e) { return {}; }
  }

  function saveReadMarks() {
    const ids = Object.keys(readMarks);
    if (ids.length > READ_KEEP) {
      ids.sort((a, b) => String(readMarks[b]).localeCompare(String(readMarks[a])))
        .slice(READ_KEEP).forEach((id) => delete readMarks[id]);
    }
    try { localStorage.setItem(READ_KEY, JSON.stringify(readMarks)); } catch (e) { /* storage blocked or full */ }
  }

  // the newest customer message; payloads without last_customer_message_at fall back to last_message_at
  // (and replies or notes seen live move the marker along, see message.created)
  function inboundAt(c) { return c.last_customer_message_at || c.last_message_at || null; }

  function isUnread(c) {
    const at = inboundAt(c);
    if (!at) return false;
    const mark = readMarks[c.id];
    return !mark || Date.parse(at) > Date.parse(mark);
  }

  function markRead(c) {
    const at = c && inboundAt(c);
    if (!at || !isUnread(c)) return false;
    readMarks[c.id] = at;
    saveReadMarks();
    return true;
  }

  // the open conversation is read while the agent can see it (the tab is visible)
  function readCurrent() {
    if (!state.current || document.hidden || $("#thread").hidden) return false;
    return markRead(state.convs.get(state.current));
  }

  document.addEventListener("visibilitychange", () => { if (readCurrent()) renderQueue(); });
  window.addEventListener("storage", (ev) => {  // the same agent read something in another tab
    if (ev.key !== READ_KEY) return;
    readMarks = loadReadMarks();
    renderQueue();
  });

  // ---- the queue ---------------------------------------------------------------------------

  function inView(c, view) { return VIEWS[view].test(c); }

  function passesFilters(c) {
    const f = state.filters;
    if (f.kind === "public" && !c.public) return false;
    if (f.kind === "private" && c.public) return false;
    if (f.sentiment) {
      const s = c.sentiment || 0;
      const label = s <= -0.05 ? "negative" : s >= 0.05 ? "positive" : "neutral";
      if (label !== f.sentiment) return false;
    }
    return true;
  }

  function visible() {
    const by = {
      priority: (a, b) => b.priority - a.priority || (b.last_message_at || "").localeCompare(a.last_message_at || ""),
      newest: (a, b) => (b.last_message_at || "").localeCompare(a.last_message_at || ""),
      oldest_waiting: (a, b) => (a.waiting_since || "~").localeCompare(b.waiting_since || "~"),
    }[state.filters.sort];
    return [...state.convs.values()].filter((c) => inView(c, state.view) && passesFilters(c)).sort((a, b) => by(a, b) || b.id - a.id);
  }

  function prioClass(p) { return p >= 60 ? "high" : p >= 30 ? "mid" : "low"; }

  function reasons(c) {
    return (c.priority_components || []).filter((p) => p.contribution > 0.05)
      .sort((a, b) => b.contribution - a.contribution);
  }

  function whyText(c) {
    const parts = reasons(c).map((p) => `${PART_NAMES[p.name] || p.name} +${fmt.number(p.contribution, { minimumFractionDigits: 1, maximumFractionDigits: 1 })}` +
      (p.detail ? ` (${p.detail})` : ""));
    return parts.length ? parts.join(" · ") : t("no urgency signals");
  }

  function reasonList(c, cls) {
    const list = reasons(c);
    const max = Math.max(1, ...list.map((p) => p.contribution));
    if (!list.length) return el("ul", { class: cls }, el("li", { class: "muted", text: t("No urgency signals") }));
    return el("ul", { class: cls }, ...list.map((p) => el("li", {},
      el("span", { class: "part", text: PART_NAMES[p.name] || p.name }),
      el("meter", { min: 0, max, value: p.contribution, "aria-label": t("{part} weight", { part: PART_NAMES[p.name] || p.name }) }),
      el("b", { text: "+" + p.contribution.toFixed(1) }),
      p.detail ? el("span", { class: "muted detail", text: p.detail }) : null)));
  }

  function queueItem(c) {
    const open = state.expanded.has(c.id);
    const prio = el("button", { class: "prio " + prioClass(c.priority), type: "button", text: String(Math.round(c.priority)),
      title: t("Why this priority: {why}", { why: whyText(c) }), "aria-expanded": String(open),
      "aria-label": t("Priority {n}, show why", { n: Math.round(c.priority) }) });
    prio.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (state.expanded.has(c.id)) state.expanded.delete(c.id); else state.expanded.add(c.id);
      renderQueue();
    });
    const assignee = c.assignee_id ? agentName(c.assignee_id)
      : (c.queue_reason ? (c.team_id ? t("queued for {team}", { team: teamName(c.team_id) }) : t("queued")) : t("unassigned"));
    const unread = isUnread(c);
    const main = el("button", { class: "queue-item", type: "button", "data-id": String(c.id), title: c.subject || "" },
      el("div", { class: "line1" },
        unread ? el("span", { class: "unread-mark", title: t("unread") }, el("span", { class: "sr-only", text: t("Unread:") + " " })) : null,
        badge(c.channel),
        el("span", { class: "who", text: c.customer_name || t("Unknown") }),
        c.customer_vip ? el("span", { class: "chip vip", text: "VIP" }) : null,
        state.unseen.has(c.id) ? el("span", { class: "dot", title: t("new activity"), "aria-label": t("new activity") }) : null,
        el("time", { class: "ago", dateTime: c.last_message_at || "", text: ago(c.last_message_at) })),
      el("div", { class: "snippet", text: c.subject || "" }),
      el("div", { class: "tags" },
        el("span", { class: "kind", text: c.public ? t("mention") : t("DM") }),
        ...(c.labels || []).map((l) => el("span", { class: "chip " + l, text: l })),
        el("span", { class: "assignee" + (c.assignee_id === me ? " mine" : ""), text: assignee,
          title: queueReason(c.queue_reason, teamName) })));
    main.addEventListener("click", () => openConversation(c.id));
    const pick = el("input", { type: "checkbox", class: "pick", checked: state.selected.has(c.id),
      "aria-label": c.customer_name ? t("Select {name}", { name: c.customer_name }) : t("Select conversation {id}", { id: c.id }) });
    pick.addEventListener("change", () => {
      if (pick.checked) state.selected.add(c.id); else state.selected.delete(c.id);
      renderBulk();
    });
    const li = el("li", { "data-id": String(c.id), class: [state.current === c.id ? "current" : "", c.sentiment <= -0.05 ? "neg" : "",
      state.selected.has(c.id) ? "picked" : "", unread ? "unread" : ""].join(" ") },
      el("div", { class: "row" }, pick, prio, main), open ? reasonList(c, "reasons") : null);
    if (state.current === c.id) main.setAttribute("aria-current", "true");
    return li;
  }

  function renderCounts() {
    const all = [...state.convs.values()];
    for (const view of Object.keys(VIEWS)) {
      const node = document.querySelector(`[data-count="${view}"]`);
      if (!node) continue;
      const inIt = all.filter((c) => inView(c, view));
      const cut = view === "all" ? Object.values(full).some(Boolean) : full[VIEWS[view].noun];
      const n = inIt.length + (cut ? "+" : "");
      // unread only where there is open work: a resolved conversation is not news
      const unread = VIEWS[view].noun === "open" ? inIt.filter(isUnread).length : 0;
      node.textContent = String(n);
      const u = document.querySelector(`[data-unread="${view}"]`);
      if (u) u.textContent = unread ? t("{n} unread", { n: unread }) : "";
      // the name read out is the visible text plus a hidden noun: "Mine 3 open 1 unread"
      node.closest("button").title = unread ? t("{n} {what}, {unread} unread", { n, what: statusName(VIEWS[view].noun), unread })
        : t("{n} {what}", { n, what: statusName(VIEWS[view].noun) });
    }
  }

  function renderQueue() {
    const items = visible();
    const list = $("#queue");
    list.replaceChildren(...items.map(queueItem));
    const noun = VIEWS[state.view].noun;
    $("#queue-title").textContent = VIEWS[state.view].title;
    $("#queue-count").textContent = state.view === "all" ? t("{n} shown", { n: items.length })
      : t("{n} {what}", { n: items.length, what: statusName(noun) });
    $("#queue-empty").hidden = items.length > 0;
    const EMPTY = { pending: t("No pending conversations."), snoozed: t("No snoozed conversations."),
      resolved: t("No resolved conversations."), all: t("No conversations.") };
    $("#queue-empty").textContent = noun === "open" ? t("Nothing waiting here. New messages appear by themselves.")
      : EMPTY[noun] || "";
    renderCounts();
    renderBulk();
    renderLabelOptions();
  }

  // ---- bulk actions on the list ------------------------------------------------------------

  function renderBulk() {
    const shown = new Set(visible().map((c) => c.id));
    for (const id of [...state.selected]) if (!shown.has(id)) state.selected.delete(id);  // left the list
    const n = state.selected.size;
    $("#bulk").hidden = n === 0;
    $("#bulk-count").textContent = t("{n} selected", { n });
    const all = $("#bulk-all");
    all.checked = n > 0 && n === shown.size;
    all.indeterminate = n > 0 && n < shown.size;
    all.setAttribute("aria-label", all.checked ? t("Clear the selection") : t("Select every conversation shown"));
    document.querySelectorAll("#queue li").forEach((li) => {
      const on = state.selected.has(Number(li.dataset.id));
      li.classList.toggle("picked", on);
      const box = li.querySelector("input.pick");
      if (box) box.checked = on;
    });
  }

  async function bulk(action, params, done) {
    const ids = [...state.selected];
    if (!ids.length) return;
    try {
      const out = await api("/api/conversations/bulk", { method: "POST", body: Object.assign({ ids, action }, params) });
      for (const r of out.results) if (r.ok) upsert(r.conversation, false);
      state.selected.clear();
      renderBulk();
      toast(out.failed ? t("{done} {n}; {failed} could not be changed", { done, n: out.ok, failed: out.failed })
        : t("{done} {n}", { done, n: out.ok }),
        out.failed ? "error" : "");
    } catch (e) { toast(e.message, "error"); }
  }

  $("#bulk-all").addEventListener("change", (ev) => {
    if (ev.target.checked) visible().forEach((c) => state.selected.add(c.id)); else state.selected.clear();
    renderBulk();
  });
  $("#bulk-assign").addEventListener("click", () => bulk("assign", { assignee_id: me }, t("Assigned to you:")));
  // the pickers: every agent and team by name; "a:ID" an agent ("a:" nobody), "t:ID" a team
  function fillPicker(select, prompt) {
    select.replaceChildren(el("option", { value: "", text: prompt }),
      el("optgroup", { label: t("Agents") }, ...people.agents.map((a) =>
        el("option", { value: "a:" + a.id, text: a.id === me ? t("{name} (you)", { name: a.name }) : a.name })),
      el("option", { value: "a:", text: t("Nobody (unassign)") })),
      el("optgroup", { label: t("Teams") }, ...people.teams.map((t) => el("option", { value: "t:" + t.id, text: t.name }))));
  }
  function pickerChange(value) {
    if (!value) return null;
    const [kind, id] = value.split(":");
    if (kind === "t") return { body: { team_id: Number(id) }, said: t("Handed to {team}", { team: teamName(Number(id)) }) };
    if (!id) return { body: { assignee_id: null }, said: t("Unassigned") };
    return { body: { assignee_id: Number(id) }, said: t("Assigned to {name}", { name: agentName(Number(id)) }) };
  }
  fillPicker($("#assign-to"), t("Assign to…"));
  fillPicker($("#bulk-assignee"), t("Assign to…"));
  $("#assign-to").addEventListener("change", (ev) => {
    const pick = pickerChange(ev.target.value);
    ev.target.value = "";
    if (pick) patchCurrent(pick.body, pick.said);
  });
  $("#bulk-assign-to").addEventListener("click", () => {
    const pick = pickerChange($("#bulk-assignee").value);
    if (!pick) { $("#bulk-assignee").focus(); return; }
    $("#bulk-assignee").value = "";
    bulk("assign", pick.body, pick.said + ":");
  });
  $("#bulk-resolve").addEventListener("click", () => bulk("resolve", {}, t("Resolved:")));
  function bulkLabel() {
    const label = $("#bulk-label-input").value.trim();
    if (!label) { $("#bulk-label-input").focus(); return; }
    $("#bulk-label-input").value = "";
    bulk("label", { labels: [label] }, `Labelled ${label}:`);
  }
  $("#bulk-label").addEventListener("click", bulkLabel);
  $("#bulk-label-input").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); bulkLabel(); } });

  // labels already in use are offered in both label inputs
  const BASE_LABELS = ["urgent", "escalated", "legal", "refund"];
  let labelKey = "";
  function renderLabelOptions() {
    const names = new Set(BASE_LABELS);
    for (const c of state.convs.values()) (c.labels || []).forEach((l) => names.add(l));
    const key = [...names].sort().join("\n");
    if (key === labelKey) return;
    labelKey = key;
    $("#label-options").replaceChildren(...[...names].sort().map((n) => el("option", { value: n })));
  }

  function upsert(conv, flash) {
    if (!conv) return;
    const merged = Object.assign(state.convs.get(conv.id) || {}, conv);
    state.convs.set(conv.id, merged);
    if (flash && conv.id !== state.current) state.unseen.add(conv.id);
    if (conv.id === state.current) readCurrent();
    renderQueue();
    if (flash) {
      const li = document.querySelector(`#queue li[data-id="${conv.id}"]`);
      if (li) li.classList.add("flash");
    }
    if (state.current === conv.id) renderHead(merged);
  }

  const CATCH_UP_MARGIN = 30e3;
  const CATCH_UP_LIMIT = 200;

  async function catchUp() {
    // after a dropped connection: only what changed meanwhile, not the whole queue again
    if (!state.since) return loadQueue();
    const data = await api(`/api/conversations?limit=${CATCH_UP_LIMIT}&updated_since=` + encodeURIComponent(state.since));
    if (data.conversations.length >= CATCH_UP_LIMIT) return loadQueue();  // too much missed: start afresh
    for (const c of data.conversations) {
      const known = state.convs.get(c.id);
      // a live event may have overtaken this answer: never let an older copy win
      if (known && known.updated_at && c.updated_at && known.updated_at > c.updated_at) continue;
      if (!known || known.updated_at !== c.updated_at) {
        state.convs.set(c.id, Object.assign(known || {}, c));
        if (c.id !== state.current && c.status === "open") state.unseen.add(c.id);
      }
    }
    state.since = data.next_since || state.since;
    readCurrent();
    renderQueue();
    if (state.current && state.convs.has(state.current)) renderHead(state.convs.get(state.current));
  }

  async function loadStatus(status) {
    // open work by priority (the top 200 matter); the others by recency (the latest 200 matter)
    const sort = status === "open" ? "priority" : "newest";
    const data = await api(`/api/conversations?status=${status}&sort=${sort}&limit=${STATUS_LIMIT}`);
    full[status] = data.conversations.length >= STATUS_LIMIT;
    return data.conversations;
  }

  async function loadQueue() {
    // every conversation the agent may see, by status (open first): views, counts and filters are
    // worked out here, so live events keep all of them right without another request
    const lists = await Promise.all(["open", "pending", "snoozed", "resolved"].map(loadStatus));
    const served = Date.parse(window.murmur.http.serverDate || "");
    // the next catch-up asks for changes since this answer (by the server's clock, with a margin)
    state.since = Number.isNaN(served) ? null : new Date(served - CATCH_UP_MARGIN).toISOString();
    state.convs.clear();
    for (const list of lists) for (const c of list) state.convs.set(c.id, c);
    if (state.current && !state.convs.has(state.current)) {
      try { state.convs.set(state.current, await api(`/api/conversations/${state.current}`)); } catch (e) { /* gone */ }
    }
    readCurrent();
    renderQueue();
    if (state.current && state.convs.has(state.current)) renderHead(state.convs.get(state.current));
  }

  // ---- one conversation --------------------------------------------------------------------

  function renderHead(c) {
    $("#thread-title").textContent = c.customer_name || t("Conversation");
    const assignee = (c.assignee_id ? t("assigned to {name}", { name: agentName(c.assignee_id) }) : t("unassigned")) +
      (c.team_id ? " · " + t("team {name}", { name: teamName(c.team_id) }) : "");
    $("#thread-meta").replaceChildren(
      badge(c.channel), document.createTextNode(" " + c.channel),
      document.createTextNode(" · " + (c.public ? t("public mention") : t("direct message")) + (c.language ? " · " + c.language : "") +
        " · " + assignee + " · "),
      el("span", { class: "status " + c.status, text: statusName(c.status) }),
      c.status === "snoozed" && c.snoozed_until ? el("span", { class: "status snoozed",
        text: " " + t("until {when}", { when: fmt.parts(c.snoozed_until, { weekday: "short", hour: "2-digit", minute: "2-digit" }) }) }) : "",
      c.status === "resolved" && c.resolved_by_id ? el("span", { class: "resolved-by",
        text: " " + t("by {name}", { name: agentName(c.resolved_by_id) }) }) : "");
    renderLabels(c);
    const top = reasons(c).slice(0, 2).map((p) => PART_NAMES[p.name] || p.name);
    $("#why-summary").replaceChildren(
      el("span", { class: "prio " + prioClass(c.priority), text: String(Math.round(c.priority)) }),
      el("span", { class: "why-top", text: top.length ? t("Mostly: {parts}", { parts: top.join(", ") }) : t("No urgency signals") }),
      el("span", { class: "why-more", text: t("why?") }));
    const list = reasonList(c, "why-list");
    list.id = "why-list";
    $("#why-list").replaceWith(list);
    $("#assign-me").hidden = c.assignee_id === me;
    document.querySelectorAll(".status-btn, #resolve").forEach((b) => {
      b.hidden = b.dataset.status === c.status || (b.id === "reopen" && c.status === "open");
    });
    $("#snooze").hidden = c.status === "snoozed";
    renderReplyMode(c);
  }

  // what the composer does: a public answer, a private message, or a note only agents see; and
  // on a channel that cannot carry a reply, why, with the note as the only choice
  function renderReplyMode(c) {
    const blocked = c && c.reply_blocked;
    $("#no-reply").hidden = !blocked;
    $("#no-reply").textContent = blocked || "";
    $("#reply-public").disabled = Boolean(blocked);
    $("#reply-public").closest("label").hidden = Boolean(blocked);
    const pub = $("#reply-public");
    if (blocked) { pub.dataset.forced = "1"; $("#reply-private").checked = true; }
    else if (pub.dataset.forced) { delete pub.dataset.forced; pub.checked = true; }
    syncMode();
    if (window.murmurReplyWindow) window.murmurReplyWindow(c);  // WhatsApp / WeChat reply windows
  }
  function whereText(c) {
    if (isNote()) return t("Private note: only agents see it, the customer never does");
    if (!c) return "";
    return c.public ? t("answers publicly on {channel}", { channel: c.channel })
      : t("answers privately on {channel}", { channel: c.channel });
  }

  function deliveryText(d) {
    if (!d) return null;
    if (d.status === "sent") return t("sent");
    if (d.status === "sending") return t("sending");
    if (d.status === "failed") return t("failed: {error}", { error: d.error || t("unknown error") });
    if (!d.attempts) return t("queued");
    return d.error ? t("queued (attempt {n}, {error})", { n: d.attempts, error: d.error })
      : t("queued (attempt {n})", { n: d.attempts });
  }

  function safeHref(raw) {
    // absolute web and mail addresses only: "" or a relative path would point back into Murmur
    if (!/^\s*(https?:\/\/|mailto:)/i.test(raw || "")) return null;
    try {
      const u = new URL(raw.trim());
      return ["http:", "https:", "mailto:"].includes(u.protocol) ? u.href : null;
    } catch (e) { return null; }
  }

  // The server already sanitized the html; it is still rebuilt here element by element from an
  // allow-list, in a document that never runs scripts or loads anything (DOMParser).
  const KEEP = new Set(["P", "BR", "B", "STRONG", "I", "EM", "U", "UL", "OL", "LI", "BLOCKQUOTE", "CODE", "PRE", "SPAN"]);
  function rebuild(node, depth) {
    if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.nodeValue);
    if (node.nodeType !== Node.ELEMENT_NODE || depth > 20) return null;
    const tag = node.tagName;
    if (tag === "SCRIPT" || tag === "STYLE" || tag === "TEMPLATE") return null;
    const kids = [...node.childNodes].map((k) => rebuild(k, depth + 1)).filter(Boolean);
    if (tag === "A") {
      const href = safeHref(node.getAttribute("href") || "");
      if (!href) return el("span", {}, ...kids);
      return el("a", { href, rel: "noopener noreferrer nofollow ugc", target: "_blank", title: href }, ...kids);
    }
    if (tag === "IMG") {
      const own = node.getAttribute("src") || "";
      // an e-mail's inline image, which the server pointed at its stored attachment
      if (/^\/api\/attachments\/\d+(\/thumbnail)?$/.test(own)) {
        return el("img", { src: own, alt: node.getAttribute("alt") || "image", class: "inline-img", loading: "lazy" });
      }
      const src = safeHref(own);
      return src ? el("a", { href: src, rel: "noopener noreferrer nofollow ugc", target: "_blank", class: "img-link",
        text: "🖼 " + (node.getAttribute("alt") || "image") }) : null;
    }
    if (!KEEP.has(tag)) return kids.length ? el("span", {}, ...kids) : null;
    return el(tag.toLowerCase(), {}, ...kids);
  }

  function richBody(m) {
    const body = el("div", { class: "body" });
    if (m.html) {
      const doc = new DOMParser().parseFromString(m.html, "text/html");
      const kids = [...doc.body.childNodes].map((k) => rebuild(k, 0)).filter(Boolean);
      if (kids.length) { body.classList.add("rich"); body.append(...kids); return body; }
    }
    body.textContent = m.text || "";
    return body;
  }

  function sentimentBadge(m) {
    if (!m.sentiment_label || m.direction !== "in") return null;
    const score = `${m.sentiment >= 0 ? "+" : ""}${(m.sentiment || 0).toFixed(2)}`;
    const why = (m.sentiment_reasons || []).join(", ");
    const mood = MOOD_NAMES[m.sentiment_label] || m.sentiment_label;
    return el("span", { class: "sent " + m.sentiment_label, title: why ? t("Because: {why}", { why }) : t("Sentiment score"),
      text: m.sentiment_corrected ? t("{mood} {score} (corrected)", { mood, score }) : `${mood} ${score}` });
  }

  const MOOD_NAMES = { negative: t("negative"), neutral: t("neutral"), positive: t("positive") };
  const MOODS = [["negative", "−", t("Mark negative (teaches the model)"), t("Mark negative")],
    ["neutral", "○", t("Mark neutral (teaches the model)"), t("Mark neutral")],
    ["positive", "+", t("Mark positive (teaches the model)"), t("Mark positive")]];
  function sentimentFix(m) {
    if (m.direction !== "in") return null;
    const group = el("span", { class: "sent-fix", role: "group", "aria-label": t("Correct the sentiment") });
    for (const [label, sign, hint, name] of MOODS) {
      const b = el("button", { type: "button", class: "sf sf-" + label, text: sign, "data-label": label,
        title: hint, "aria-label": name,
        "aria-pressed": String(m.sentiment_label === label) });
      b.addEventListener("click", () => correctSentiment(m, label));
      group.append(b);
    }
    return group;
  }

  function showSentiment(update) {
    const li = document.querySelector(`#messages li[data-id="${update.message_id}"]`);
    if (!li) return;
    const m = Object.assign(li.murmurMessage || {}, { sentiment: update.sentiment, sentiment_label: update.sentiment_label,
      sentiment_corrected: true });
    const old = li.querySelector(".sent");
    const fresh = sentimentBadge(m);
    if (old && fresh) old.replaceWith(fresh);
    li.querySelectorAll(".sf").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.label === update.sentiment_label)));
  }

  async function correctSentiment(m, label) {
    try {
      const out = await api(`/api/messages/${m.id}/sentiment`, { method: "PUT", body: { label } });
      showSentiment(out);
      toast(t("Marked {mood}: thanks, the model learns from this", { mood: MOOD_NAMES[label] || label }));
    } catch (e) { toast(e.message, "error"); }
  }

  function messageNode(m) {
    const author = m.direction === "in" ? (m.author ? (m.author.display_name || m.author.handle) : t("customer"))
      : m.direction === "note" ? t("Private note") : (m.author_agent_id === me ? t("You") : t("Reply"));
    const conv = state.convs.get(m.conversation_id);
    const meta = el("div", { class: "meta" },
      conv ? badge(conv.channel) : null,
      el("span", { class: "author", text: author }),
      m.author && m.author.handle ? el("span", { class: "muted", text: "@" + m.author.handle }) : null,
      el("time", { text: fmt.dateTime(m.created_at), dateTime: m.created_at }),
      sentimentBadge(m),
      sentimentFix(m),
      m.delivery ? el("span", { class: "delivery " + m.delivery.status, "data-message": String(m.id),
        text: deliveryText(m.delivery) + (window.murmurDeliveryDetail ? window.murmurDeliveryDetail(m.delivery) : "") }) : null,
      m.url && safeHref(m.url) ? el("a", { href: safeHref(m.url), rel: "noopener noreferrer", target: "_blank", text: t("open ↗") }) : null);
    const mentions = (m.mentions || []).length
      ? el("div", { class: "muted", text: t("Notified: {names}", { names: m.mentions.map((x) => x.name).join(", ") }) }) : null;
    const li = el("li", { class: "msg " + m.direction, "data-id": String(m.id) }, meta, richBody(m),
      attachmentList(m), mentions);
    li.murmurMessage = m;
    return li;
  }

  function fileSize(n) {
    if (n == null) return "";
    return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`;
  }

  // Files are links to Murmur's own access-checked URLs (thumbnails for images); a file not
  // stored says why. Names are customer text: textContent only, through el().
  function attachmentNode(a) {
    const label = `${a.name}${a.size != null ? " · " + fileSize(a.size) : ""}`;
    if (a.thumbnail_url) {
      return el("li", { class: "att image", "data-attachment": String(a.id) },
        el("a", { href: a.url, target: "_blank", rel: "noopener", title: label },
          el("img", { src: a.thumbnail_url, alt: a.name, class: "thumb", loading: "lazy" })),
        el("span", { class: "att-name muted", text: label }));
    }
    if (a.url) {
      return el("li", { class: "att file", "data-attachment": String(a.id) },
        el("a", { href: a.url, download: a.name, text: "📎 " + label }));
    }
    if (a.link && safeHref(a.link)) {
      return el("li", { class: "att link", "data-attachment": String(a.id) },
        el("a", { href: safeHref(a.link), target: "_blank", rel: "noopener noreferrer nofollow ugc", text: "🔗 " + a.name }));
    }
    const state = { failed: t("failed"), too_large: t("too large"), refused: t("refused") }[a.state] || a.state;
    const why = a.state === "pending" ? t("fetching…") : `${state}${a.error ? ": " + a.error : ""}`;
    return el("li", { class: "att " + a.state, "data-attachment": String(a.id) },
      el("span", { text: `📎 ${a.name} (${why})` }));
  }

  function attachmentList(m) {
    if (!(m.attachments || []).length) return null;
    return el("ul", { class: "attachments", "aria-label": t("Attachments") }, ...m.attachments.map(attachmentNode));
  }

  function showAttachment(e) {
    const li = document.querySelector(`#messages li[data-id="${e.message_id}"]`);
    if (!li || !li.murmurMessage) return;
    const m = li.murmurMessage;
    m.attachments = (m.attachments || []).map((a) => (a.id === e.attachment.id ? e.attachment : a));
    const old = li.querySelector(".attachments");
    const fresh = attachmentList(m);
    if (old && fresh) old.replaceWith(fresh);
  }

  function appendMessage(m) {
    if (state.messageIds.has(m.id)) return;
    state.messageIds.add(m.id);
    const list = $("#messages");
    list.append(messageNode(m));
    list.scrollTop = list.scrollHeight;
  }

  // ---- older messages: the thread opens on its newest page; scrolling to the top fetches the
  // page before it (keyset cursor `more_before`) and keeps what the agent was reading in place.
  const older = { cursor: null, loading: false };

  async function loadOlder() {
    const id = state.current, cursor = older.cursor;
    if (cursor == null || older.loading) return;
    older.loading = true;
    $("#messages").setAttribute("aria-busy", "true");
    try {
      const page = await api(`/api/conversations/${id}/messages?before=${cursor}`);
      if (state.current !== id || older.cursor !== cursor) return;  // moved on meanwhile
      const list = $("#messages");
      const fresh = page.messages.filter((m) => !state.messageIds.has(m.id));
      fresh.forEach((m) => state.messageIds.add(m.id));
      const fromBottom = list.scrollHeight - list.scrollTop;
      list.prepend(...fresh.map(messageNode));
      list.scrollTop = list.scrollHeight - fromBottom;  // the same message stays under the eye
      older.cursor = page.more_before;
      list.dataset.complete = String(older.cursor == null);
    } catch (e) {
      toast(e.message, "error");
    } finally {
      older.loading = false;
      $("#messages").removeAttribute("aria-busy");
    }
    fillThread();
  }

  function fillThread() {
    // a first page shorter than the pane gives nothing to scroll: fetch until it can scroll
    const list = $("#messages");
    if (older.cursor != null && list.scrollHeight <= list.clientHeight) loadOlder();
  }

  $("#messages").addEventListener("scroll", () => {
    if ($("#messages").scrollTop < 80) loadOlder();
  }, { passive: true });

  function showPane(name) { panes.dataset.pane = name; }

  // the address names the open conversation, so a reload, a shared link or a dashboard drill-down
  // (/?conversation=N) opens it; replaceState: moving between conversations adds no history
  function rememberInAddress(id) {
    const url = new URL(window.location.href);
    if (url.searchParams.get("conversation") === String(id)) return;
    url.searchParams.set("conversation", String(id));
    url.searchParams.delete("search");
    history.replaceState(null, "", url.pathname + url.search);
  }

  async function openConversation(id) {
    if (state.current && state.current !== id && socket) socket.emit("leave_conversation", { conversation_id: state.current });
    const changed = state.current !== id;
    state.current = id;
    rememberInAddress(id);
    state.unseen.delete(id);
    if (changed) state.messageIds = new Set();
    renderQueue();
    showPane("thread");
    const c = await api(`/api/conversations/${id}`);
    if (state.current !== id) return;  // the agent moved on while this loaded
    const { messages, more_before: moreBefore } = c;
    delete c.messages;
    delete c.more_before;
    state.convs.set(c.id, Object.assign(state.convs.get(c.id) || {}, c));
    $("#thread-empty").hidden = true;
    $("#thread").hidden = false;
    if (readCurrent()) renderQueue();
    renderHead(state.convs.get(c.id));
    if (changed) {
      $("#messages").replaceChildren();
      older.cursor = moreBefore;  // a reload of the same thread keeps the older pages read so far
      older.loading = false;
      $("#messages").dataset.complete = String(older.cursor == null);
    }
    messages.forEach(appendMessage);
    fillThread();
    $("#viewers").textContent = "";
    if (socket && changed) socket.emit("join_conversation", { conversation_id: id });
    const li = document.querySelector(`#queue li[data-id="${id}"]`);
    if (li) li.scrollIntoView({ block: "nearest" });
    loadCustomer(c.customer_id);
  }

  async function loadCustomer(id) {
    const cust = await api(`/api/customers/${id}`);
    state.customer = cust;
    $("#customer-empty").hidden = true;
    $("#customer").hidden = false;
    $("#customer-name").textContent = cust.name || t("Unknown");
    $("#customer-badges").replaceChildren(...[
      cust.lifecycle_stage ? el("span", { class: "chip", text: STAGE_NAMES[cust.lifecycle_stage] || cust.lifecycle_stage }) : null,
      cust.vip ? el("span", { class: "chip vip", text: "VIP" }) : null,
      cust.rfm_segment ? el("span", { class: "chip", text: cust.rfm_segment }) : null].filter(Boolean));
    const open = (cust.conversations || []).filter((c) => c.status === "open" && c.id !== state.current).length;
    const figures = [[t("Value (CLV)"), cust.clv != null ? fmt.number(Math.round(Number(cust.clv))) : null],
      [t("Email"), cust.email], [t("Open elsewhere"), open ? fmt.number(open) : null],
      ...Object.entries(cust.attributes || {}).slice(0, 6).map(([k, v]) => [k, String(v)])];
    $("#customer-figures").replaceChildren(...figures.filter(([, v]) => v).flatMap(([k, v]) =>
      [el("dt", { text: k }), el("dd", { text: v })]));
    $("#identities").replaceChildren(...cust.identities.map((i) => {
      const href = i.profile_url ? safeHref(i.profile_url) : null;
      const handle = "@" + i.handle;
      return el("li", {}, badge(i.channel), document.createTextNode(" "),
        href ? el("a", { href, rel: "noopener noreferrer", target: "_blank", text: handle }) : el("span", { text: handle }),
        el("span", { class: "muted", text: " · " + i.channel + " · " + t("{n} followers", { n: fmt.number(Number(i.followers || 0)) }) }));
    }));
    $("#history").replaceChildren(...cust.timeline.slice(-30).reverse().map((m) =>
      el("li", { class: "h-" + m.direction + (m.conversation_id === state.current ? " here" : "") },
        badge(m.channel), el("span", { class: "muted", text: ` ${fmt.date(m.created_at)} · ` }),
        document.createTextNode((m.text || "").slice(0, 140)))));
    loadMergeBox(cust.id);
  }

  // ---- the same person on two channels: suggestions, merge, undo -----------------------------

  const EVIDENCE = { email: t("Same email"), phone: t("Same phone"), handle: t("Same handle"),
    "handle+name": t("Same handle and name") };
  const STAGE_NAMES = { awareness: t("awareness"), engagement: t("engagement"), conversion: t("conversion"),
    retention: t("retention"), loyalty: t("loyalty"), churn_risk: t("churn risk") };
  const MOVED_NAMES = { identities: t("identities"), conversations: t("conversations"), messages: t("messages"),
    orders: t("orders"), surveys: t("surveys") };

  async function loadMergeBox(id) {
    const [sugg, hist] = await Promise.all([
      api(`/api/customers/${id}/merge-suggestions`).catch(() => ({ suggestions: [] })),
      api(`/api/customers/${id}/merges`).catch(() => ({ merges: [] }))]);
    if (!state.customer || state.customer.id !== id) return;  // another customer is shown by now
    $("#merge-box").hidden = !sugg.suggestions.length;
    $("#suggestions").replaceChildren(...sugg.suggestions.map((x) => suggestion(id, x)));
    const last = hist.merges.find((m) => !m.undone_at);
    state.lastMerge = last || null;
    const box = $("#last-merge");
    box.hidden = !last;
    if (!last) { box.replaceChildren(); return; }
    const undo = el("button", { type: "button", id: "undo-merge", text: t("Undo") });
    undo.addEventListener("click", () => undoMerge(last.merge_id, id));
    const moved = Object.entries(last.moved).filter(([, n]) => n).map(([k, n]) => `${n} ${MOVED_NAMES[k] || k}`).join(", ");
    box.replaceChildren(el("span", { text: t("Merged customer #{id} {when}", { id: last.other_id, when: fmt.relative(last.at) }) }),
      moved ? el("span", { class: "muted", text: " (" + moved + ")" }) : null, undo);
  }

  function suggestion(id, x) {
    const other = x.customer;
    const pct = Math.round(x.confidence * 100);
    const merge = el("button", { type: "button", class: "primary merge", text: t("Merge"),
      title: other.name ? t("Bring the identities and history of {name} into this customer", { name: other.name })
        : t("Bring that customer's identities and history into this customer") });
    merge.addEventListener("click", () => mergeInto(id, other, merge));
    return el("li", { class: "suggestion", "data-customer": String(other.id) },
      el("div", { class: "s-head" },
        el("b", { text: other.name || t("Customer #{id}", { id: other.id }) }),
        ...(other.identities || []).map((i) => badge(i.channel)),
        el("span", { class: "conf " + (pct >= 80 ? "high" : pct >= 50 ? "mid" : "low"), text: pct + "%",
          title: t("Confidence that this is the same person") })),
      el("meter", { min: 0, max: 100, value: pct, "aria-label": t("Confidence {pct}%", { pct }) }),
      el("ul", { class: "evidence" }, ...x.evidence.map((e) => el("li", {},
        el("span", { text: `${EVIDENCE[e.kind] || e.kind}: ` }), el("b", { text: e.value }),
        el("span", { class: "muted", text: ` · ${e.ours} ↔ ${e.theirs}` })))),
      merge);
  }

  async function mergeInto(id, other, button) {
    button.disabled = true;
    try {
      await api(`/api/customers/${id}/merge`, { method: "POST", body: { other_id: other.id } });
      toast(other.name ? t("Merged {name} into this customer", { name: other.name })
        : t("Merged customer #{id} into this customer", { id: other.id }));
      await loadCustomer(id);
    } catch (e) { button.disabled = false; toast(e.message, "error"); }
  }

  async function undoMerge(mergeId, id) {
    try {
      await api(`/api/merges/${mergeId}/undo`, { method: "POST" });
      toast(t("Merge undone: the two customers are apart again"));
      await loadCustomer(id);
    } catch (e) { toast(e.message, "error"); }
  }

  // ---- acting on it ------------------------------------------------------------------------

  async function patchCurrent(changes, done) {
    if (!state.current) return false;
    try {
      const c = await api(`/api/conversations/${state.current}`, { method: "PATCH", body: changes });
      upsert(c, false);
      if (done) toast(done);
      return true;
    } catch (e) { toast(e.message, "error"); return false; }
  }

  async function setStatus(status, extra, said) {
    const words = { resolved: t("Resolved"), pending: t("Marked pending"), snoozed: t("Snoozed"), open: t("Reopened") };
    const leaving = state.current;
    const at = visible().findIndex((c) => c.id === leaving);
    if (!(await patchCurrent(Object.assign({ status }, extra), said || words[status])) || status === "open" ||
        state.current !== leaving) return;
    const items = visible();  // it has left the queue: take up the one that moved into its place
    const next = items[Math.min(Math.max(at, 0), items.length - 1)];
    if (next) openConversation(next.id);
  }

  // ---- labels on the conversation ----------------------------------------------------------

  function renderLabels(c) {
    $("#label-chips").replaceChildren(...(c.labels || []).map((l) => {
      const x = el("button", { type: "button", class: "chip-x", text: "×", "aria-label": t("Remove label {label}", { label: l }), title: t("Remove") });
      x.addEventListener("click", () => patchCurrent({ labels: (c.labels || []).filter((y) => y !== l) }, t("Removed {label}", { label: l })));
      return el("li", { class: "chip " + l, "data-label": l }, el("span", { text: l }), x);
    }));
  }

  $("#label-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("#label-input");
    const label = input.value.trim();
    const c = state.convs.get(state.current);
    if (!label || !c) return;
    if ((c.labels || []).includes(label)) { input.value = ""; return; }
    if (await patchCurrent({ labels: [...(c.labels || []), label] }, t("Labelled {label}", { label }))) input.value = "";
  });

  // ---- snooze until a time -----------------------------------------------------------------

  function snoozeUntil(choice) {
    const at = new Date();
    if (choice === "hour") return new Date(at.getTime() + 3600e3);
    at.setHours(9, 0, 0, 0);  // the agent's own morning; toISOString carries it as UTC
    if (choice === "tomorrow") at.setDate(at.getDate() + 1);
    else at.setDate(at.getDate() + ((8 - at.getDay()) % 7 || 7));  // next Monday
    return at;
  }

  function snoozeMenu(open) {
    $("#snooze-menu").hidden = !open;
    $("#snooze").setAttribute("aria-expanded", String(open));
    if (open) $("#snooze-menu button").focus();
  }
  $("#snooze").addEventListener("click", () => snoozeMenu($("#snooze-menu").hidden));
  $("#snooze-menu").addEventListener("keydown", (ev) => {
    const items = [...document.querySelectorAll("#snooze-menu button")];
    const at = items.indexOf(document.activeElement);
    if (ev.key === "Escape") { ev.preventDefault(); snoozeMenu(false); $("#snooze").focus(); }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      items[(at + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length].focus();
    }
  });
  document.addEventListener("click", (ev) => { if (!ev.target.closest(".snooze")) snoozeMenu(false); });
  document.querySelectorAll("#snooze-menu button").forEach((b) => b.addEventListener("click", () => {
    snoozeMenu(false);
    const until = snoozeUntil(b.dataset.until);
    setStatus("snoozed", { snoozed_until: until.toISOString() },
      t("Snoozed until {when}", { when: fmt.parts(until, { weekday: "short", hour: "2-digit", minute: "2-digit" }) }));
  }));

  document.querySelectorAll(".status-btn, #resolve").forEach((b) =>
    b.addEventListener("click", () => setStatus(b.dataset.status)));
  $("#assign-me").addEventListener("click", () => patchCurrent({ assignee_id: me }, t("Assigned to you")));
  $("#back").addEventListener("click", () => showPane("queue"));
  $("#customer-back").addEventListener("click", () => { showPane("thread"); $("#customer-toggle").focus(); });
  $("#customer-toggle").addEventListener("click", () => showPane(panes.dataset.pane === "customer" ? "thread" : "customer"));

  function isNote() { return $("#reply-private").checked; }
  function syncMode() {
    $("#reply-form").classList.toggle("note", isNote());
    $("#reply-where").textContent = whereText(state.convs.get(state.current));
    $("#reply-text").placeholder = isNote() ? t("Private note for the team… (@name to notify)")
      : t("Write a reply… (/ for canned responses)");
    $("#reply-form button[type=submit]").textContent = isNote() ? t("Add note") : t("Send");
  }
  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener("change", syncMode));

  async function upload(conversationId, file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const res = await fetch(`/api/conversations/${conversationId}/attachments`,
      { method: "POST", body: form, headers: { "X-CSRFToken": csrf } });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${file.name}: ${(data.error && data.error.message) || res.statusText}`);
    return data.id;
  }

  async function send() {
    const text = $("#reply-text").value.trim();
    if (!text || !state.current) return;
    $("#reply-error").textContent = "";
    const files = [...($("#reply-files").files || [])];
    try {
      const ids = [];
      for (const f of files) ids.push(await upload(state.current, f));
      const body = { text, private: isNote() };
      if (ids.length) body.attachment_ids = ids;
      const m = await api(`/api/conversations/${state.current}/replies`, { method: "POST", body });
      appendMessage(m);
      $("#reply-text").value = "";
      $("#reply-files").value = "";
    } catch (e) { $("#reply-error").textContent = e.message; }
  }

  $("#reply-form").addEventListener("submit", (ev) => { ev.preventDefault(); send(); });

  // ---- canned responses: "/" in the reply box ----------------------------------------------

  const canned = { open: false, items: [], index: 0, start: -1, seq: 0 };

  function fill(text) {
    const c = state.convs.get(state.current) || {};
    const name = (c.customer_name || (state.customer && state.customer.name) || t("there")).split(/\s+/)[0];
    const vars = { name, customer: c.customer_name || name, agent: myName.split(/\s+/)[0], channel: c.channel || "" };
    return text.replace(/\{(\w+)\}/g, (all, key) => (key in vars ? vars[key] : all));
  }

  function closeCanned() {
    canned.seq++;  // a lookup still in flight (typed "/t" before "/than") must not reopen the list
    canned.open = false;
    $("#canned").hidden = true;
    $("#reply-text").removeAttribute("aria-activedescendant");
  }

  function renderCanned() {
    const list = $("#canned");
    if (!canned.items.length) {
      list.replaceChildren(el("li", { class: "muted", text: t("No canned response matches") }));
    } else {
      list.replaceChildren(...canned.items.map((c, i) => {
        const li = el("li", { id: "canned-" + c.id, role: "option", "aria-selected": String(i === canned.index),
          "data-index": String(i) }, el("b", { text: "/" + c.shortcut }), el("span", { text: fill(c.text) }));
        li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pickCanned(i); });
        return li;
      }));
      $("#reply-text").setAttribute("aria-activedescendant", "canned-" + canned.items[canned.index].id);
    }
    list.hidden = false;
    canned.open = true;
  }

  async function updateCanned() {
    const box = $("#reply-text");
    const before = box.value.slice(0, box.selectionStart);
    const m = /(^|\s)\/([\w-]*)$/.exec(before);
    if (!m) { closeCanned(); return; }
    canned.start = before.length - m[2].length - 1;
    const seq = ++canned.seq;
    try {
      const data = await api("/api/canned-responses?q=" + encodeURIComponent(m[2]) +
        (state.current ? "&conversation_id=" + state.current : ""));
      if (seq !== canned.seq) return;
      canned.items = data.canned_responses;
      canned.index = 0;
      renderCanned();
    } catch (e) { closeCanned(); }
  }

  function pickCanned(i) {
    const c = canned.items[i];
    if (!c) return;
    const box = $("#reply-text");
    const text = fill(c.text);
    box.value = box.value.slice(0, canned.start) + text + box.value.slice(box.selectionStart);
    const at = canned.start + text.length;
    box.setSelectionRange(at, at);
    closeCanned();
    box.focus();
  }

  $("#reply-text").addEventListener("input", () => {
    if (socket && state.current) socket.emit("typing", { conversation_id: state.current, active: true });
    updateCanned();
  });
  $("#reply-text").addEventListener("blur", () => setTimeout(closeCanned, 150));
  $("#reply-text").addEventListener("keydown", (ev) => {
    if (canned.open && canned.items.length) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        const n = canned.items.length;
        canned.index = (canned.index + (ev.key === "ArrowDown" ? 1 : n - 1)) % n;
        renderCanned();
        return;
      }
      if (ev.key === "Enter" || ev.key === "Tab") { ev.preventDefault(); pickCanned(canned.index); return; }
    }
    if (ev.key === "Escape") {
      if (canned.open) closeCanned(); else ev.target.blur();
      ev.preventDefault();
      return;
    }
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send(); }
  });

  // ---- search over messages and customers -------------------------------------------------

  const search = { seq: 0, timer: null };

  function marked(segments) {
    // segments come from the server as [{text, match}]: text nodes and <mark>, never markup
    return el("span", { class: "snip" }, ...(segments || []).map((g) =>
      g.match ? el("mark", { text: g.text }) : document.createTextNode(g.text)));
  }

  function showResults(open) {
    $("#search-results").hidden = !open;
    $("#search").setAttribute("aria-expanded", String(open));
  }

  function renderResults(data) {
    const convs = data.conversations.map((r) => {
      const c = r.conversation;
      const b = el("button", { type: "button", class: "result", "data-conversation": String(c.id) },
        el("span", { class: "r-line" }, badge(c.channel), el("b", { text: c.customer_name || t("Unknown") }),
          el("span", { class: "status " + c.status, text: statusName(c.status) }),
          el("span", { class: "muted", text: r.hits > 1 ? nt("{n} message", "{n} messages", r.hits) : ago(r.message.created_at) })),
        marked(r.message.snippet));
      b.addEventListener("click", () => { showResults(false); openConversation(c.id); });
      return el("li", {}, b);
    });
    const custs = data.customers.map((cu) => {
      const b = el("button", { type: "button", class: "result", "data-customer": String(cu.id) },
        el("span", { class: "r-line" }, ...(cu.identities || []).slice(0, 3).map((i) => badge(i.channel)),
          el("b", { text: cu.name || t("Customer #{id}", { id: cu.id }) }),
          el("span", { class: "muted", text: [cu.email, ...(cu.identities || []).map((i) => "@" + i.handle)]
            .filter(Boolean).slice(0, 3).join(" · ") })));
      b.addEventListener("click", () => { showResults(false); openCustomer(cu.id); });
      return el("li", {}, b);
    });
    const section = (title, items) => items.length
      ? [el("h3", { text: title }), el("ul", { class: "results" }, ...items)] : [];
    $("#search-results").replaceChildren(...section(t("Conversations"), convs), ...section(t("Customers"), custs),
      ...(convs.length || custs.length ? [] : [el("p", { class: "muted none", text: t("Nothing matches “{query}”.", { query: data.query }) })]));
    showResults(true);
  }

  async function runSearch() {
    const q = $("#search").value.trim();
    const seq = ++search.seq;
    if (!q) { showResults(false); return; }
    try {
      const data = await api("/api/search?limit=10&q=" + encodeURIComponent(q));
      if (seq === search.seq) renderResults(data);
    } catch (e) {
      if (seq !== search.seq) return;
      $("#search-results").replaceChildren(el("p", { class: "error", text: e.message }));
      showResults(true);
    }
  }

  async function openCustomer(id) {
    // a customer found by search: open their latest conversation (which shows them beside it)
    try {
      const cust = await api(`/api/customers/${id}`);
      const latest = (cust.conversations || []).slice().sort((a, b) =>
        (b.last_message_at || "").localeCompare(a.last_message_at || ""))[0];
      if (latest) openConversation(latest.id); else { loadCustomer(id); showPane("customer"); }
    } catch (e) { toast(e.message, "error"); }
  }

  $("#search").addEventListener("input", () => { clearTimeout(search.timer); search.timer = setTimeout(runSearch, 200); });
  $("#search-form").addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(search.timer); runSearch(); });
  $("#search").addEventListener("focus", () => { if ($("#search").value.trim() && $("#search-results").childElementCount) showResults(true); });
  $("#search-form").addEventListener("keydown", (ev) => {
    const items = [...document.querySelectorAll("#search-results button.result")];
    const at = items.indexOf(document.activeElement);
    if (ev.key === "Escape") { ev.preventDefault(); showResults(false); $("#search").focus(); }
    else if (ev.key === "ArrowDown" && items.length) { ev.preventDefault(); items[(at + 1) % items.length].focus(); }
    else if (ev.key === "ArrowUp" && items.length) {
      ev.preventDefault();
      if (at <= 0) $("#search").focus(); else items[at - 1].focus();
    }
  });
  document.addEventListener("click", (ev) => { if (!ev.target.closest("#search-form")) showResults(false); });

  // ---- keyboard ----------------------------------------------------------------------------

  function move(step) {
    const items = visible();
    if (!items.length) return;
    const at = items.findIndex((c) => c.id === state.current);
    const next = at < 0 ? items[step > 0 ? 0 : items.length - 1] : items[Math.min(items.length - 1, Math.max(0, at + step))];
    if (next && next.id !== state.current) openConversation(next.id);
  }

  function focusReply(note) {
    if (!state.current) return;
    $(note || $("#reply-public").disabled ? "#reply-private" : "#reply-public").checked = true;
    syncMode();
    $("#reply-text").focus();
  }

  const help = $("#help");
  $("#help-open").addEventListener("click", () => help.showModal());

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    const target = ev.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if (help.open) return;  // the dialog handles Escape itself
    const actions = {
      j: () => move(1), k: () => move(-1), r: () => focusReply(false), n: () => focusReply(true),
      e: () => state.current && setStatus("resolved"),
      a: () => state.current && patchCurrent({ assignee_id: me }, t("Assigned to you")),
      "?": () => help.showModal(),
      "/": () => { $("#search").focus(); $("#search").select(); },
      x: () => {
        if (!state.current) return;
        if (state.selected.has(state.current)) state.selected.delete(state.current); else state.selected.add(state.current);
        renderBulk();
      },
    };
    const act = actions[ev.key];
    if (act) { ev.preventDefault(); act(); }
  });

  // ---- views, filters, theme ---------------------------------------------------------------

  document.querySelectorAll(".views button").forEach((b) => b.addEventListener("click", () => selectView(b.dataset.view)));
  for (const [id, key] of [["#f-kind", "kind"], ["#f-sentiment", "sentiment"], ["#f-sort", "sort"]]) {
    $(id).addEventListener("change", (ev) => { state.filters[key] = ev.target.value; renderQueue(); });
  }

  const THEMES = ["auto", "light", "dark"];
  function applyTheme(theme) {
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    $("#theme").title = { auto: t("Theme: follow the system"), light: t("Theme: light"), dark: t("Theme: dark") }[theme];
    $("#theme").textContent = { auto: "◐", light: "☀", dark: "☾" }[theme];
  }
  applyTheme(document.documentElement.dataset.theme || "auto");
  $("#theme").addEventListener("click", () => {
    const now = document.documentElement.dataset.theme || "auto";
    const next = THEMES[(THEMES.indexOf(now) + 1) % THEMES.length];
    try { if (next === "auto") localStorage.removeItem("murmur.theme"); else localStorage.setItem("murmur.theme", next); }
    catch (e) { /* storage blocked: the choice lasts for this page */ }
    applyTheme(next);
  });

  setInterval(() => document.querySelectorAll("#queue time.ago").forEach((t) => { t.textContent = ago(t.dateTime); }), 30000);

  // ---- live --------------------------------------------------------------------------------

  function connection(cls, text) { const c = $("#connection"); c.className = "conn " + cls; c.textContent = text; }

  function notify(title, body) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try { new Notification(title, { body }); } catch (e) { /* some browsers allow it only from a worker */ }
  }

  // the browser asks only after a click (a user gesture); the controls say where things stand
  function renderNotifyState() {
    const supported = "Notification" in window;
    const perm = supported ? Notification.permission : "unsupported";
    $("#notify-state").textContent = {
      granted: t("On: you are notified while this tab is hidden."),
      denied: t("Blocked in this browser's site settings."),
      unsupported: t("This browser cannot show desktop notifications."),
      default: "" }[perm] || "";
    $("#notify-enable").hidden = perm !== "default";
    $("#notify-top").hidden = perm !== "default";
  }

  async function enableNotifications() {
    if (!("Notification" in window)) { renderNotifyState(); return; }
    try { await Notification.requestPermission(); } catch (e) { /* old callback-only API: state shows below */ }
    renderNotifyState();
    if (Notification.permission === "granted") toast(t("Desktop notifications are on"));
  }

  document.querySelectorAll(".notify-enable").forEach((b) => b.addEventListener("click", enableNotifications));
  renderNotifyState();

  // ---- what the address asks for: a conversation (?conversation=N), a search (?q=, ?search=1) --------
  const asked = new URLSearchParams(window.location.search);
  const askedId = Number(asked.get("conversation"));
  if (Number.isInteger(askedId) && askedId > 0) state.current = askedId;
  let showAskedView = Boolean(state.current);
  if (asked.get("q")) { $("#search").value = asked.get("q"); runSearch(); }
  else if (asked.get("search")) $("#search").focus();
  function selectView(view) {
    document.querySelectorAll(".views button").forEach((x) => {
      x.classList.toggle("active", x.dataset.view === view);
      x.setAttribute("aria-pressed", String(x.dataset.view === view));
    });
    state.view = view;
    renderQueue();
  }
  // a linked conversation that is not open (resolved, say) shows in its own view, so it is in the list
  function followAsked() {
    if (!showAskedView) return;
    const c = state.convs.get(state.current);
    if (!c) return;
    showAskedView = false;
    if (!inView(c, state.view)) selectView(VIEWS[c.status] ? c.status : "all");
  }

  const socket = window.io ? window.io({ transports: ["websocket"] }) : null;
  window.murmur = Object.assign(window.murmur || {}, { socket });  // one namespaced handle, for the console and the browser tests
  if (socket) {
    let connectedOnce = false;
    socket.on("connect", async () => {
      connection("online", t("live"));
      const again = connectedOnce;
      connectedOnce = true;
      // the first time, the whole queue; after a drop, only what changed meanwhile (upserts by id: no duplicates)
      try { await (again ? catchUp() : loadQueue()); } catch (e) { toast(e.message, "error"); }
      followAsked();
      if (again) toast(t("Reconnected: caught up on what changed"));
      if (state.current) {
        socket.emit("join_conversation", { conversation_id: state.current });
        openConversation(state.current);  // append messages missed meanwhile; known ids are skipped
      }
    });
    socket.on("disconnect", () => connection("offline", t("offline")));
    socket.io.on("reconnect_attempt", () => connection("reconnecting", t("reconnecting…")));
    socket.on("connect_error", () => connection("offline", t("offline")));
    socket.on("conversation.created", (e) => upsert(e.conversation, true));
    socket.on("conversation.updated", (e) => upsert(e.conversation, false));
    socket.on("conversation.assigned", (e) => {
      upsert(e.conversation, true);
      if (e.assignee_id === me) notify(t("Assigned to you"), e.conversation.customer_name || t("A conversation"));
    });
    socket.on("conversation.escalated", (e) => upsert(e.conversation, true));
    socket.on("message.created", (e) => {
      const before = state.convs.get(e.message.conversation_id);
      if (e.message.direction !== "in" && e.conversation && before && !isUnread(before) && !e.conversation.last_customer_message_at) {
        // payloads without last_customer_message_at: a reply or a note is not news for the reader
        markRead(e.conversation);
      }
      upsert(e.conversation, e.message.direction === "in");
      if (state.current === e.message.conversation_id) appendMessage(e.message);
    });
    socket.on("message.updated", (e) => { if (e.conversation_id === state.current) showSentiment(e); });
    socket.on("attachment.updated", (e) => { if (e.conversation_id === state.current) showAttachment(e); });
    socket.on("outbox.updated", (e) => {
      const node = document.querySelector(`.delivery[data-message="${e.message_id}"]`);
      if (node) { node.textContent = deliveryText(e.delivery) + (window.murmurDeliveryDetail ? window.murmurDeliveryDetail(e.delivery) : ""); node.className = "delivery " + e.delivery.status; }
    });
    socket.on("notification", (e) => {
      if (e.kind !== "mention") return;
      const who = (e.by && e.by.name) || t("Someone");
      const where = e.conversation && e.conversation.customer_name;
      toast(where ? t("{who} mentioned you on {name}", { who, name: where }) : t("{who} mentioned you on a conversation", { who }));
      notify(t("{who} mentioned you", { who }), e.note ? e.note.text : "");
      if (e.conversation) upsert(e.conversation, true);
    });
    socket.on("viewing", (e) => {
      if (e.conversation_id === state.current && e.agent_id !== me)
        $("#viewers").textContent = !e.active ? "" : e.name ? t("{name} is viewing", { name: e.name }) : t("Another agent is viewing");
    });
    let typingTimer = null;
    socket.on("typing", (e) => {
      if (e.conversation_id !== state.current || e.agent_id === me) return;
      $("#typing").textContent = e.visitor ? t("The customer is typing…") : t("Another agent is typing…");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $("#typing").textContent = ""; }, 3000);
    });
  } else {
    loadQueue().then(() => { followAsked(); if (state.current) openConversation(state.current); });
  }
})();
