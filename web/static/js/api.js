/* Shared by Murmur's pages (loaded by base.html): one way to call the API (the CSRF header, JSON
 * both ways, errors as ApiError carrying the server's {code, message, field, errors}) and one way
 * to build DOM nodes (text only ever through textContent, never parsed as HTML). */
(function () {
  "use strict";

  class ApiError extends Error {
    constructor(message, detail, status) {
      super(message);
      this.detail = detail || {};
      this.status = status;
    }
  }

  const http = { serverDate: null };  // the server's clock from the last answer (for catch-up)

  async function api(path, method, body) {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const opts = { method: method || "GET", headers: { "X-CSRFToken": csrf } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    http.serverDate = res.headers.get("Date") || http.serverDate;
    if (res.status === 204) return {};
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError((data.error && data.error.message) || res.statusText, data.error, res.status);
    return data;
  }

  /* el("li", {class, text, "data-x": 1, ...props}, ...children): null and false attributes and
   * children are skipped; data-, aria-, role, list and translate ("no": a code, not words) are attributes,
   * anything else a property. */
  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "list" || k === "translate") node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const kid of kids) if (kid != null && kid !== false) node.append(kid);
    return node;
  }

  window.murmur = Object.assign(window.murmur || {}, { api, ApiError, http, el });
})();
