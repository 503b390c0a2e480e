/* The listening page: streams (list, editor with a live preview of matches), the feed of mentions
 * arriving live, filters, promotion, and the streams' alerts as sentences. Everything a post says
 * is put in the page as text (textContent through murmur.el), never parsed as HTML. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const $ = (sel) => document.querySelector(sel);
  const state = { streams: [], editing: null, mentions: new Map(), before: null, filters: {}, window: {} };
  const fmt = new Intl.NumberFormat(undefined, { notation: "compact" });
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
  const tagName = { brand: t("Brand"), product: t("Product"), competitor: t("Competitor") };
  const sentimentName = { negative: t("Negative"), neutral: t("Neutral"), positive: t("Positive") };

  function split(value) {
    return value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  }

  /* --- streams --------------------------------------------------------------------------- */
  async function loadStreams() {
    state.streams = (await api("/api/listening/streams")).streams;
    const list = $("#stream-list");
    list.replaceChildren(...state.streams.map(streamItem));
    if (!state.streams.length) list.append(el("li", { class: "empty", text: t("No streams yet. Create one to start listening.") }));
    const pick = $("#f-stream");
    const chosen = pick.value;
    pick.replaceChildren(el("option", { value: "", text: t("All streams") }),
      ...state.streams.map((s) => el("option", { value: String(s.id), text: s.name })));
    pick.value = chosen;
  }

  function streamItem(s) {
    const q = s.query || {};
    const terms = [...(q.keywords || []), ...(q.hashtags || []).map((h) => "#" + h), ...(q.phrases || []).map((p) => `"${p}"`)];
    const failing = (s.sources || []).filter((src) => src.last_error);
    const edit = el("button", { type: "button", text: t("Edit") });
    edit.addEventListener("click", () => openForm(s));
    const now = el("button", { type: "button", text: t("Search now") });
    now.addEventListener("click", async () => {
      now.disabled = true;
      try { await api(`/api/listening/streams/${s.id}/poll`, "POST"); await loadStreams(); } finally { now.disabled = false; }
    });
    return el("li", { class: "stream-item", "data-stream": s.id },
      el("span", { class: "name", text: s.name }),
      el("span", { class: `tag ${s.tag}`, text: tagName[s.tag] || s.tag }),
      el("span", { class: "buttons" }, now, edit),
      el("span", { class: "terms", text: terms.join(" · ") + ((q.exclusions || []).length ? " — " + t("not: {words}", { words: q.exclusions.join(", ") }) : "") }),
      el("span", { class: failing.length ? "health bad" : "health",
        text: failing.length ? t("{n} searches failing: {error}", { n: failing.length, error: failing[0].last_error })
          : t("Searching {networks}", { networks: (s.networks || []).join(", ") || t("no network") }) }));
  }

  function openForm(s) {
    state.editing = s ? s.id : null;
    const f = $("#stream-form");
    f.hidden = false;
    $("#form-h").textContent = s ? t("Edit stream") : t("New stream");
    const q = (s && s.query) || {};
    $("#s-name").value = s ? s.name : "";
    $("#s-tag").value = s ? s.tag : "brand";
    $("#s-keywords").value = (q.keywords || []).join(", ");
    $("#s-hashtags").value = (q.hashtags || []).map((h) => "#" + h).join(", ");
    $("#s-phrases").value = (q.phrases || []).join(", ");
    $("#s-exclusions").value = (q.exclusions || []).join(", ");
    for (const box of f.querySelectorAll('input[name="lang"]')) box.checked = (q.languages || []).includes(box.value);
    for (const box of f.querySelectorAll('input[name="network"]')) box.checked = s ? (s.networks || []).includes(box.value) : true;
    $("#s-feeds").value = s ? (s.feeds || []).join("\n") : "";
    const a = (s && s.alerts) || {};
    $("#a-volume").checked = a.volume !== false;
    $("#a-share").value = a.negative_share ? Math.round(a.negative_share * 100) : "";
    $("#a-keyword").value = a.keyword || "";
    $("#form-result").textContent = "";
    for (const p of f.querySelectorAll(".field-error")) p.textContent = "";
    $("#s-name").focus();
    preview();
  }

  function formBody() {
    const f = $("#stream-form");
    const share = $("#a-share").value;
    return {
      name: $("#s-name").value.trim(),
      tag: $("#s-tag").value,
      query: {
        keywords: split($("#s-keywords").value),
        hashtags: split($("#s-hashtags").value),
        phrases: split($("#s-phrases").value),
        exclusions: split($("#s-exclusions").value),
        languages: [...f.querySelectorAll('input[name="lang"]:checked')].map((b) => b.value),
      },
      networks: [...f.querySelectorAll('input[name="network"]:checked')].map((b) => b.value),
      feeds: split($("#s-feeds").value),
      alerts: { volume: $("#a-volume").checked, negative_share: share ? Number(share) / 100 : null,
        keyword: $("#a-keyword").value.trim() || null },
    };
  }

  function showError(err, out) {
    const field = err.detail && err.detail.field;
    const slot = field && $(`[data-error-for="${CSS.escape(field)}"]`);
    if (slot) slot.textContent = err.message;
    out.textContent = err.message;
  }

  let previewTimer = null;
  function preview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      const body = formBody();
      const count = $("#preview-count");
      const list = $("#preview-list");
      if (!body.query.keywords.length && !body.query.hashtags.length && !body.query.phrases.length) {
        count.textContent = t("Add a word, hashtag or phrase to see what it would find.");
        list.replaceChildren();
        return;
      }
      try {
        const res = await api("/api/listening/preview", "POST", { name: body.name || "preview", query: body.query });
        count.textContent = t("{matched} of the last {scanned} mentions match.", res);
        list.replaceChildren(...res.mentions.slice(0, 5).map((m) => mentionItem(m, true)));
      } catch (err) {
        count.textContent = err.message;
      }
    }, 300);
  }

  async function save(ev) {
    ev.preventDefault();
    const out = $("#form-result");
    for (const p of document.querySelectorAll("#stream-form .field-error")) p.textContent = "";
    try {
      const body = formBody();
      if (state.editing) await api(`/api/listening/streams/${state.editing}`, "PATCH", body);
      else await api("/api/listening/streams", "POST", body);
      $("#stream-form").hidden = true;
      await loadStreams();
    } catch (err) {
      showError(err, out);
    }
  }

  /* --- feed ------------------------------------------------------------------------------ */
  function mentionItem(m, compact) {
    const label = m.sentiment_label || "neutral";
    const names = (m.streams || []).map((id) => (state.streams.find((s) => s.id === id) || {}).name).filter(Boolean);
    const kids = [
      el("div", { class: "meta" },
        el("span", { class: "who", text: m.author.name || m.author.handle }),
        el("span", { text: "@" + m.author.handle }),
        m.author.followers ? el("span", { text: t("{n} followers", { n: fmt.format(m.author.followers) }) }) : null,
        el("span", { text: m.network }),
        el("span", { text: m.language || "" }),
        el("span", { text: sentimentName[label] || label }),
        el("time", { dateTime: m.created_at, text: when(m.created_at) }),
        names.length ? el("span", { text: names.join(", ") }) : null),
      el("p", { class: "text", text: m.text }),
    ];
    if (!compact) {
      const actions = el("div", { class: "actions" });
      if (m.url && /^https?:\/\//.test(m.url)) actions.append(el("a", { href: m.url, target: "_blank", rel: "noopener noreferrer", text: t("View on the network") }));
      actions.append(promoteControl(m));
      kids.push(actions);
    }
    return el("li", { class: `mention ${label}`, "data-mention": m.id }, ...kids);
  }

  function promoteControl(m) {
    if (m.conversation_id) return el("a", { href: `/?conversation=${m.conversation_id}`, class: "promoted", text: t("Open the conversation") });
    const b = el("button", { type: "button", class: "promote", text: t("Promote to conversation") });
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        const res = await api(`/api/listening/mentions/${m.id}/promote`, "POST");
        m.conversation_id = res.conversation_id;
        b.replaceWith(promoteControl(m));
      } catch (err) {
        b.disabled = false;
        b.after(el("span", { class: "error", role: "alert", text: err.message }));
      }
    });
    return b;
  }

  function query(extra) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...state.filters, ...state.window, ...extra })) if (v) p.set(k, v);
    return p.toString();
  }

  async function loadFeed(more) {
    const res = await api("/api/listening/mentions?" + query(more && state.before ? { before: state.before } : {}));
    const list = $("#mention-list");
    if (!more) { list.replaceChildren(); state.mentions.clear(); }
    for (const m of res.mentions) { state.mentions.set(m.id, m); list.append(mentionItem(m)); }
    if (!list.children.length) list.append(el("li", { class: "empty", text: t("No mentions yet.") }));
    state.before = res.next_before;
    $("#more").hidden = !res.next_before;
    const langs = $("#f-language");
    const chosen = langs.value;
    langs.replaceChildren(el("option", { value: "", text: t("Any language") }), ...res.languages.map((l) => el("option", { value: l, text: l })));
    langs.value = chosen;
  }

  function wanted(m, streamId) {
    const f = state.filters;
    if (state.window.until) return false;  // looking at a past window: nothing live belongs in it
    if (f.stream && String(streamId) !== f.stream && !(m.streams || []).map(String).includes(f.stream)) return false;
    if (f.tag) {
      const st = state.streams.find((s) => s.id === streamId);
      if (!st || st.tag !== f.tag) return false;
    }
    if (f.sentiment && m.sentiment_label !== f.sentiment) return false;
    if (f.language && m.language !== f.language) return false;
    return true;
  }

  function arrived(payload) {
    const m = payload.mention;
    if (!m || state.mentions.has(m.id) || !wanted(m, payload.stream_id)) return;
    state.mentions.set(m.id, m);
    const list = $("#mention-list");
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    const item = mentionItem(m);
    item.classList.add("fresh");
    list.prepend(item);
  }

  /* --- alerts ---------------------------------------------------------------------------- */
  function alertItem(a) {
    const sentence = alertSentence(a);
    return el("li", { class: "alert-item", "data-alert": a.id },
      el("a", { href: a.link, text: sentence }),
      el("div", { class: "muted", text: when(a.bucket_start) }));
  }

  async function loadAlerts() {
    const res = await api("/api/listening/alerts");
    const list = $("#alert-list");
    list.replaceChildren(...res.alerts.map(alertItem));
    if (!res.alerts.length) list.append(el("li", { class: "empty", text: t("No alerts. You will see one here the moment a stream is unusual.") }));
  }

  /* --- start ----------------------------------------------------------------------------- */
  function readLocation() {
    const p = new URLSearchParams(location.search);
    if (p.get("stream")) { state.filters.stream = p.get("stream"); $("#f-stream").value = p.get("stream"); }
    if (p.get("since") || p.get("until")) {
      state.window = { since: p.get("since"), until: p.get("until") };
      const w = $("#window");
      w.hidden = false;
      w.textContent = t("Showing mentions received from {since} to {until}.", { since: when(state.window.since), until: when(state.window.until) });
    }
  }

  $("#new-stream").addEventListener("click", () => openForm(null));
  $("#cancel-stream").addEventListener("click", () => { $("#stream-form").hidden = true; });
  $("#stream-form").addEventListener("submit", save);
  $("#stream-form").addEventListener("input", preview);
  $("#more").addEventListener("click", () => loadFeed(true));
  for (const [id, key] of [["#f-stream", "stream"], ["#f-tag", "tag"], ["#f-sentiment", "sentiment"], ["#f-language", "language"]]) {
    $(id).addEventListener("change", (ev) => { state.filters[key] = ev.target.value; loadFeed(false); });
  }

  const socket = window.io ? window.io({ transports: ["websocket"] }) : null;
  window.murmur = Object.assign(window.murmur || {}, { socket });
  if (socket) {
    const live = $("#live");
    socket.on("connect", () => { live.textContent = t("live"); live.className = "conn online"; });
    socket.on("disconnect", () => { live.textContent = t("offline"); live.className = "conn offline"; });
    socket.on("mention.created", arrived);
    socket.on("mention.promoted", (p) => {
      const m = state.mentions.get(p.mention_id);
      if (!m) return;
      m.conversation_id = p.conversation_id;
      const node = document.querySelector(`[data-mention="${p.mention_id}"] .promote`);
      if (node) node.replaceWith(promoteControl(m));
    });
    socket.on("alert.spike", (a) => {
      if (!a.stream_id || document.querySelector(`[data-alert="${a.id}"]`)) return;
      const list = $("#alert-list");
      const empty = list.querySelector(".empty");
      if (empty) empty.remove();
      list.prepend(alertItem(a));
    });
  }

  (async () => {
    await loadStreams();
    readLocation();
    await Promise.all([loadFeed(false), loadAlerts()]);
  })();
})();
