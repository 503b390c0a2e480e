/* The visitor's chat, inside the iframe Murmur serves. It talks only to Murmur (same origin): the
 * visitor API with its bearer token, and the /widget Socket.IO namespace. Everything people write
 * is inserted with textContent. The host page may pass a signed-in user ({user_id, user_hash,
 * name, email}) by postMessage; only the parent window is listened to. */
(function () {
  "use strict";
  const root = document.getElementById("chat");
  const channel = Number(root.dataset.channel);
  const config = JSON.parse(root.dataset.config);
  const S = JSON.parse(root.dataset.strings);
  const lang = root.dataset.lang;
  const KEY = `murmur-widget-${channel}`;
  const $ = (id) => document.getElementById(id);
  const base = `/widget/${channel}/api`;
  let token = null;
  let profile = {};
  let identity = null;
  const shown = new Set();

  try { profile = JSON.parse(localStorage.getItem(KEY + "-profile") || "{}"); } catch (e) { profile = {}; }
  try { token = localStorage.getItem(KEY); } catch (e) { token = null; }

  $("name").textContent = config.display_name;
  $("close-label").textContent = S.close;
  $("pc-name-label").textContent = S.name;
  $("pc-email-label").textContent = S.email;
  $("pc-start").textContent = S.start;
  $("text-label").textContent = S.placeholder;
  $("text").placeholder = S.placeholder;
  $("send").textContent = S.send;
  if (/^#[0-9a-fA-F]{6}$/.test(config.colour)) document.documentElement.style.setProperty("--brand", config.colour);
  if (!config.open) { $("away").textContent = S.away; $("away").hidden = false; }

  function clientId() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function call(path, method, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const res = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
    return data;
  }

  // tell Murmur what the visitor has seen, so a reply they read is not e-mailed to them later
  let seenSent = 0, seenTimer = null;
  function markSeen(id) {
    if (!id || id <= seenSent || !token) return;
    clearTimeout(seenTimer);
    seenTimer = setTimeout(() => {
      if (document.visibilityState === "hidden") return;
      seenSent = id;
      call("/seen", "POST", { message_id: id }).catch(() => { seenSent = 0; });
    }, 500);
  }
  let newest = 0;
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") markSeen(newest); });

  function show(m) {
    if (m.id != null && shown.has(m.id)) return;
    if (m.id != null) { shown.add(m.id); newest = Math.max(newest, m.id); markSeen(newest); }
    const li = document.createElement("li");
    li.className = m.from === "visitor" ? "mine" : "theirs";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.from === "visitor" ? S.you : config.display_name;
    const text = document.createElement("p");
    text.textContent = m.text;
    li.append(who, text);
    $("messages").append(li);
    $("messages").scrollTop = $("messages").scrollHeight;
    return li;
  }

  function greet() {
    if ($("messages").children.length) return;
    show({ id: null, from: "agent", text: config.greeting || S.greeting });
  }

  function needsForm() {
    if (identity) return false;
    const wantsEmail = config.prechat !== "none" || !config.open;
    return wantsEmail && !profile.email;
  }

  function ready() {
    $("prechat").hidden = !needsForm();
    $("composer").hidden = needsForm();
    $("pc-name").closest("form").querySelector("#pc-name").hidden = config.prechat !== "name_email";
    $("pc-name-label").hidden = config.prechat !== "name_email";
  }

  let socket = null;
  function connect() {
    if (socket || typeof io === "undefined") return;
    socket = io("/widget", { auth: { channel, token }, transports: ["websocket", "polling"] });
    socket.on("message", (m) => { $("typing").textContent = ""; show(m); });
    let timer = null;
    socket.on("typing", (e) => {
      $("typing").textContent = e.active ? S.typing.replace("{name}", config.display_name) : "";
      clearTimeout(timer);
      timer = setTimeout(() => { $("typing").textContent = ""; }, 4000);
    });
    socket.on("connect", () => refresh());
  }

  async function refresh() {
    try {
      const data = await call("/messages", "GET");
      data.messages.forEach(show);
    } catch (e) { /* the next reconnect tries again */ }
  }

  async function start() {
    const body = identity ? { user_id: identity.user_id, user_hash: identity.user_hash, email: identity.email } : {};
    const data = await call("/session", "POST", body);
    token = data.token;
    if (!identity) { try { localStorage.setItem(KEY, token); } catch (e) { /* private mode */ } }
    data.messages.forEach(show);
    greet();
    ready();
    connect();
  }

  $("prechat").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const email = $("pc-email").value.trim();
    if (!email) { $("error").textContent = S.email_needed; return; }
    profile = { name: $("pc-name").value.trim(), email };
    try { localStorage.setItem(KEY + "-profile", JSON.stringify(profile)); } catch (e) { /* private mode */ }
    $("error").textContent = "";
    ready();
    $("text").focus();
  });

  let typingSent = 0;
  $("text").addEventListener("input", () => {
    if (socket && Date.now() - typingSent > 2000) { socket.emit("typing", { active: true }); typingSent = Date.now(); }
  });
  $("text").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("composer").requestSubmit(); }
  });

  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    const who = identity || profile;
    const body = { client_id: clientId(), text, language: lang, name: who.name || undefined, email: who.email || undefined };
    $("text").value = "";
    for (let attempt = 0; attempt < 3; attempt++) {  // the same client_id: a resend is stored once
      try {
        const data = await call("/messages", "POST", body);
        show(data.message);
        $("error").textContent = "";
        if (socket) socket.emit("typing", { active: false });
        typingSent = 0;  // the next keystroke is a new message being typed: say so at once
        return;
      } catch (e) {
        if (attempt === 2) { $("error").textContent = S.failed + " (" + e.message + ")"; $("text").value = text; }
      }
    }
  });

  $("close").addEventListener("click", () => window.parent.postMessage({ murmur: "close" }, "*"));

  let started = false;
  function go() { if (!started) { started = true; start().catch((e) => { $("error").textContent = S.failed + " (" + e.message + ")"; }); } }
  window.addEventListener("message", (ev) => {
    if (ev.source !== window.parent || !ev.data || ev.data.murmur !== "identify") return;
    const u = ev.data.user;
    if (u && typeof u.user_id === "string" && typeof u.user_hash === "string") {
      identity = { user_id: u.user_id, user_hash: u.user_hash, email: u.email || "", name: u.name || "" };
      token = null;
    }
    go();
  });
  window.parent.postMessage({ murmur: "ready" }, "*");
  setTimeout(go, 1500);  // a host page that never answers still gets an anonymous chat
})();
