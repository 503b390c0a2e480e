"""Every API error leaves as JSON {"error": {"code", "message", "field"}} with the right status.

The `message` is in the reader's language (the agent's profile, else Accept-Language, as for pages):
services raise an English msgid marked `N_` with its values kept apart, and it is translated here,
at response time, where the request is known; the `code` and `field` never change with the language.
Pages (outside /api) get words and a way back instead: `web.error_pages` takes over HTTP and
CSRF errors for them and calls back here for /api paths."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from flask_babel import get_translations
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from connectors.errors import PayloadError, SignatureError
from inbox.store.db import is_lock_timeout
from inbox.store.errors import N_, InboxError, fill

# What a client is told to wait after a write found the database busy: a writer holds the SQLite
# lock for milliseconds to a few seconds, so a short wait usually finds it free.
RETRY_AFTER_SECONDS = 2


__all__ = ["N_", "ApiError", "body", "register", "translated"]


class ApiError(Exception):
    """An error the web layer finds itself; `message` is an `N_` msgid whose values come as keywords."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, **params: Any) -> None:
        self.msgid, self.params = message, params
        self.status, self.code, self.message, self.field = status, code, fill(message, params), field
        super().__init__(self.message)


def translated(e: InboxError | ApiError) -> str:
    """The error's message in the request's language, its values filled in after translation (a
    message that was never a msgid, or a translation that does not fit its values, stays English)."""
    msgid = getattr(e, "msgid", None) or e.message
    try:
        text = get_translations().ugettext(msgid)
        return fill(text, getattr(e, "params", {}) or {})
    except (KeyError, ValueError, TypeError, RuntimeError):
        return e.message


def body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def json_csrf(e: CSRFError) -> Any:
    return jsonify(body("csrf", e.description)), 400


def json_http(e: HTTPException) -> Any:
    """An HTTP error as the JSON body, keeping what the exception says beyond it (e.g. a 405's Allow)."""
    resp = jsonify(body((e.name or "error").lower().replace(" ", "_"), e.description or ""))
    resp.status_code = e.code or 500
    for name, value in e.get_headers():
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp


def json_api(e: ApiError) -> Any:
    return jsonify(body(e.code, translated(e), e.field)), e.status


def translated_problem(message: Any) -> str:
    """One problem of a list (a rule's, a policy's) in the request's language: the escalation
    leaf's messages are `Msg`s that keep their msgid and values (escalation/messages.py), and a
    value may itself be one ("item 2 must be a number"). Anything else stays as written."""
    msgid = getattr(message, "msgid", None)
    if msgid is None:
        return str(message)
    params = {k: translated_problem(v) if getattr(v, "msgid", None) else v for k, v in message.params.items()}
    try:
        return fill(get_translations().ugettext(msgid), params)
    except (KeyError, ValueError, TypeError, RuntimeError):
        return str(message)


def error_body(e: InboxError) -> dict:
    """The JSON error of an inbox error in the request's language; a list of problems (a rule's,
    a policy's) is translated one by one and the message is said again from them."""
    out = body(e.code, translated(e), e.field)
    problems = getattr(e, "errors", None)
    if problems:
        listed = [{**p, "message": translated_problem(p.get("message", ""))} for p in problems]
        out["error"]["errors"] = listed
        out["error"]["message"] = "; ".join(
            f"{p['path']}: {p['message']}" if p.get("path") else p["message"] for p in listed
        )
    return out


def json_inbox(e: InboxError) -> Any:
    return jsonify(error_body(e)), e.status


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, json_api)
    app.register_error_handler(InboxError, json_inbox)

    @app.errorhandler(SignatureError)
    def _sig(e: SignatureError):  # type: ignore[no-untyped-def]
        return jsonify(body("bad_signature", str(e) or "signature check failed")), 401

    @app.errorhandler(PayloadError)
    def _payload(e: PayloadError):  # type: ignore[no-untyped-def]
        return jsonify(body("invalid", str(e), e.field)), 400

    app.register_error_handler(CSRFError, json_csrf)

    @app.errorhandler(OperationalError)
    def _busy(e: OperationalError):  # type: ignore[no-untyped-def]
        # A SQLite writer that waited its whole busy timeout for the write lock wrote nothing:
        # 503 + Retry-After tells the sender (a webhook, say) to try again, never a bare 500.
        if not is_lock_timeout(e):
            raise e
        resp = jsonify(
            body(
                "busy",
                translated(
                    ApiError(503, "busy", N_("the database is busy with other writes; retry shortly"))
                ),
            )
        )
        resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return resp, 503

    app.register_error_handler(HTTPException, json_http)
