/* One way for Murmur's pages to call the API: the CSRF header, JSON both ways, and errors as
 * ApiError carrying the server's {code, message, field, errors}. Loaded by base.html. */
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

  window.murmur = Object.assign(window.murmur || {}, { api, ApiError, http });
})();
