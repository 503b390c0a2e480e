"""Who is asking: a browser session (with CSRF) or a bearer token (scripts, no CSRF).

Every API and Socket.IO endpoint needs one of the two, except login, health and webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for

from inbox.admin import agents
from web.errors import ApiError
from web.extensions import csrf

bp = Blueprint("auth", __name__)

PUBLIC_PREFIXES = ("/healthz", "/login", "/static/", "/api/openapi.json", "/survey/", "/favicon.ico")
WEBHOOK_SUFFIX = "/webhook"


def inbox():  # type: ignore[no-untyped-def]
    return current_app.extensions["murmur.inbox"]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def resolve_agent() -> int | None:
    """Set g.agent_id from the bearer token or the session; None when anonymous."""
    token = _bearer()
    if token:
        g.auth = "token"
        return agents.agent_for_token(inbox(), token)
    g.auth = "session"
    return session.get("agent_id")


def is_webhook(path: str) -> bool:
    return path.startswith("/api/channels/") and path.endswith(WEBHOOK_SUFFIX)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _authenticate() -> Any:
        path = request.path
        g.agent_id = None
        if path.startswith(PUBLIC_PREFIXES) or is_webhook(path) or path.startswith("/socket.io"):
            return None
        g.agent_id = resolve_agent()
        if g.agent_id is None:
            if path.startswith("/api/"):
                raise ApiError(401, "unauthorized", "log in or send Authorization: Bearer <token>")
            return redirect(url_for("auth.login", next=path))
        if g.auth == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return None


def require_agent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("agent_id") is None:
            raise ApiError(401, "unauthorized", "log in or send Authorization: Bearer <token>")
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        csrf.protect()
        agent_id = agents.authenticate(
            inbox(), request.form.get("email", ""), request.form.get("password", "")
        )
        if agent_id is not None:
            session.clear()
            session["agent_id"] = agent_id
            session.permanent = True
            target = request.args.get("next") or "/"
            if urlsplit(target).netloc or not target.startswith("/"):
                target = "/"  # never redirect off-site
            return redirect(target)
        error = "That email and password do not match an active agent."
    return render_template(
        "login.html",
        error=error,
        demo=current_app.config.get("MURMUR_DEMO_LOGIN"),
        demo_logins=current_app.config.get("MURMUR_DEMO_LOGINS"),
    ), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))
