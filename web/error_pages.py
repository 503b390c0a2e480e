"""Errors people see in the browser: a page in the app shell (or a plain branded page when nobody
is signed in), in words, with a way back. Anything under /api keeps the JSON error body of
`web.errors`; the two are chosen by path so a script never receives HTML.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from inbox.store.errors import InboxError
from web import errors
from web.shell import current_agent, nav_for

WORDS: dict[int, tuple[Any, Any]] = {
    400: (
        _l("That request did not make sense"),
        _l("Something in the address or the form was not what this page expects."),
    ),
    403: (
        _l("This page is not for your role"),
        _l("Your account cannot open this page. Ask an admin if you need it."),
    ),
    404: (
        _l("Nothing here"),
        _l("There is no page at this address. It may have moved, or the link was mistyped."),
    ),
    405: (_l("That is not how this page works"), _l("This address does not take that kind of request.")),
    413: (_l("That was too large"), _l("The upload or form was larger than Murmur accepts.")),
    429: (_l("Slow down a little"), _l("Too many requests in a short time. Wait a moment and try again.")),
    500: (
        _l("Something broke on our side"),
        _l("Murmur hit an error it did not expect. Nothing you did caused it; try again."),
    ),
    503: (_l("Murmur is busy"), _l("The server is busy for a moment. Try again shortly.")),
}
CSRF_WORDS = (
    _l("This form expired"),
    _l(
        "The page was open for a long time, or you signed in or out in another tab, so the form's safety token no longer matches. Go back, reload the page and try again."
    ),
)


def wants_json(path: str) -> bool:
    return (
        path.startswith(("/api/", "/socket.io"))
        or path == "/healthz"
        or (path.startswith("/widget/") and "/api/" in path)
    )


def _back() -> str | None:
    """The referring page on this site, never another site."""
    ref = request.referrer or ""
    parts = urlsplit(ref)
    if not ref or parts.netloc != request.host or parts.path == request.path:
        return None
    return ref


def page(status: int, heading: str, message: str) -> Any:
    """The error as HTML: inside the shell for a signed-in agent, else on a plain page."""
    ctx: dict[str, Any] = {"status": status, "heading": heading, "message": message, "back": _back()}
    me = None
    if g.get("agent_id") is not None:
        try:
            me = current_agent()
        except Exception:  # noqa: BLE001 - the database may be why we are here: fall back to plain
            me = None
    if me:
        return render_template(
            "error.html", me=me, nav=nav_for(me["role"]), current=request.path, **ctx
        ), status
    return render_template("error_plain.html", me=None, **ctx), status


def _said(message: str, field: str | None) -> str:
    return f"{message} ({field})" if field and field not in message else message


def register(app: Flask) -> None:
    """Take over HTTP and CSRF errors for pages; /api answers stay JSON (web.errors)."""

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> Any:
        if wants_json(request.path):
            return errors.json_http(e)
        if e.code is None or e.code < 400:
            return e
        heading, message = WORDS.get(e.code, (e.name, e.description or ""))
        html, status = page(e.code, str(heading), str(message))
        # keep what the exception says beyond its body, e.g. a 405's Allow or a 429's Retry-After
        headers = [(k, v) for k, v in e.get_headers() if k.lower() != "content-type"]
        return html, status, headers

    @app.errorhandler(errors.ApiError)
    def _api(e: errors.ApiError) -> Any:
        # a page's bad query (a drill-down's filters, say) is told in words, with the field
        if wants_json(request.path):
            return errors.json_api(e)
        return page(
            e.status,
            str(WORDS.get(e.status, (_l("That did not work"), ""))[0]),
            _said(errors.translated(e), e.field),
        )

    @app.errorhandler(InboxError)
    def _inbox(e: InboxError) -> Any:
        if wants_json(request.path):
            return errors.json_inbox(e)
        return page(
            e.status,
            str(WORDS.get(e.status, (_l("That did not work"), ""))[0]),
            _said(errors.translated(e), e.field),
        )

    @app.errorhandler(CSRFError)
    def _csrf(e: CSRFError) -> Any:
        if wants_json(request.path):
            return errors.json_csrf(e)
        return page(400, str(CSRF_WORDS[0]), str(CSRF_WORDS[1]))
