"""The widget's HTTP side: /widget/loader.js, /widget/<id>/frame and the visitor API under it.

The frame is Murmur's own page inside the brand's page: its CSP names the admin's allowed origins
in `frame-ancestors`, so a browser refuses to show it anywhere else, and allows nothing inline.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory
from flask_babel import force_locale, gettext
from limits import parse

from connectors import widget as leaf
from connectors.errors import PayloadError
from inbox.channels import widget as svc
from inbox.channels import widget_followup
from web.errors import body
from web.extensions import csrf

bp = Blueprint("widget", __name__, url_prefix="/widget")
csrf.exempt(bp)  # no cookies: every visitor call carries its own bearer token

#: Babel's locale for each language the widget speaks (the loader sends one of LANGUAGES).
LOCALES = {"en": "en", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN", "th": "th_TH"}
SEND_LIMIT = parse("20/minute")
SESSION_LIMIT = parse("30/minute")


def _inbox():  # type: ignore[no-untyped-def]
    return current_app.extensions["murmur.inbox"]


def language(value: str | None) -> str:
    """The loader's language, or the nearest of ours to the browser's Accept-Language."""
    if value in LOCALES:
        return value
    best = request.accept_languages.best_match(["en", "zh-TW", "zh-HK", "zh-Hant", "zh-CN", "zh", "th"])
    if best in ("zh-TW", "zh-HK", "zh-Hant"):
        return "zh-Hant"
    if best in ("zh-CN", "zh"):
        return "zh-Hans"
    return best if best == "th" else "en"


def limit(item: Any, *key: str) -> None:
    """429 with Retry-After when this visitor (or address) is over `item`."""
    limiter = current_app.extensions["murmur.limiter"]
    if not limiter.limiter.hit(item, "widget", *key):
        reset, _ = limiter.limiter.get_window_stats(item, "widget", *key)
        retry = max(1, math.ceil(reset - time.time()))
        resp = jsonify(body("rate_limited", f"too many messages from this chat; retry after {retry} s"))
        resp.status_code, resp.headers["Retry-After"] = 429, str(retry)
        abort(resp)


def _visitor(widget: svc.Widget) -> str:
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    return leaf.visitor_of(_inbox().secret_key, widget.channel_id, token)


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise PayloadError("body", "must be a JSON object")
    return body


@bp.get("/loader.js")
def loader() -> Any:
    resp = send_from_directory(current_app.root_path + "/static/widget", "loader.js", max_age=300)
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # it is meant for other sites' pages
    return resp


@bp.get("/<int:channel_id>/frame")
def frame(channel_id: int) -> Any:
    widget = svc.load(_inbox(), channel_id)
    lang = language(request.args.get("lang"))
    with force_locale(LOCALES[lang]):
        strings = frame_strings()
        html = render_template(
            "widget_frame.html",
            widget=widget,
            config=widget.connector.public_config(),
            lang=lang,
            strings=strings,
        )
    resp = current_app.make_response(html)
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {' '.join(widget.connector.origins)}"
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


def frame_strings() -> dict[str, str]:
    """Every sentence the frame's script shows, in the visitor's language (rendered into the page)."""
    return {
        "title": gettext("Chat with us"),
        "close": gettext("Close the chat"),
        "greeting": gettext("Hi! How can we help you today?"),
        "away": gettext(
            "We are away right now. Leave your message and e-mail address, and we will answer by e-mail."
        ),
        "name": gettext("Your name"),
        "email": gettext("Your e-mail address"),
        "start": gettext("Start the chat"),
        "placeholder": gettext("Write a message…"),
        "send": gettext("Send"),
        "typing": gettext("%(name)s is typing…", name="{name}"),
        "failed": gettext("Not sent. Check your connection and try again."),
        "you": gettext("You"),
        "email_needed": gettext("Please leave an e-mail address so we can answer."),
    }


@bp.post("/<int:channel_id>/api/session")
def session(channel_id: int) -> Any:
    widget = svc.load(_inbox(), channel_id)
    limit(SESSION_LIMIT, str(channel_id), request.remote_addr or "")
    body = _json()
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    user_id = body.get("user_id")
    return jsonify(
        svc.start(
            _inbox(),
            widget,
            token=token,
            user_id=str(user_id) if user_id not in (None, "") else None,
            user_hash=body.get("user_hash"),
            email=body.get("email") if isinstance(body.get("email"), str) else None,
        )
    )


@bp.get("/<int:channel_id>/api/messages")
def messages(channel_id: int) -> Any:
    widget = svc.load(_inbox(), channel_id)
    return jsonify({"messages": svc.history(_inbox(), widget, _visitor(widget))})


@bp.post("/<int:channel_id>/api/seen")
def seen(channel_id: int) -> Any:
    """The visitor's chat has shown them every message up to `message_id` (so it is not mailed)."""
    widget = svc.load(_inbox(), channel_id)
    visitor = _visitor(widget)
    message_id = _json().get("message_id")
    if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
        raise PayloadError("message_id", "a message id")
    widget_followup.mark_seen(_inbox(), widget.channel_id, visitor, message_id)
    return "", 204


@bp.post("/<int:channel_id>/api/messages")
def send(channel_id: int) -> Any:
    widget = svc.load(_inbox(), channel_id)
    visitor = _visitor(widget)
    limit(SEND_LIMIT, str(channel_id), visitor)
    body = _json()
    text_of = {
        k: body.get(k) if isinstance(body.get(k), str) else None for k in ("name", "email", "language")
    }
    msg = svc.send(_inbox(), widget, visitor, body.get("client_id"), body.get("text"), **text_of)
    return jsonify({"message": msg}), 201
