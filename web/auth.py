"""Who is asking: a browser session (with CSRF) or a bearer token (scripts, no CSRF).

Every API and Socket.IO endpoint needs one of the two, except login, health and webhooks.
A token's scopes are checked here, before any view runs: `read` for GET, `write` for any other
method, and `admin` besides for the admin console and channel and webhook set-up (ADMIN_PATHS).
Sign-in failures are counted per account and per address (web.ratelimits); a locked account is
refused even with the right password until the lock expires.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from inbox.admin import agents, people, tokens
from inbox.admin.principals import Principal
from web.errors import N_, ApiError
from web.extensions import csrf
from web.ratelimits import sign_in_limits

bp = Blueprint("auth", __name__)

PUBLIC_PREFIXES = (
    "/healthz",
    "/login",
    "/static/",
    "/api/openapi.json",
    "/survey/",
    "/invite/",
    "/favicon.ico",
    "/widget/",  # website visitors: their own signed tokens (web.widget)
    "/i18n/",  # the browser's catalogues (web.i18n.views)
    "/language",  # the switcher also works on the sign-in page; it checks CSRF itself
)
# Changes under these need a token's `admin` scope (reads of them need `read`, like any GET).
ADMIN_PATHS = ("/api/admin/", "/api/channels", "/api/webhooks")
READ_METHODS = ("GET", "HEAD", "OPTIONS")
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
        access = tokens.access_for(inbox(), token)
        if access is None:
            return None
        _check_scope(access)
        g.token_access = access
        return access.agent_id
    g.auth = "session"
    agent_id = session.get("agent_id")
    if agent_id is not None and not people.is_active(inbox(), agent_id):
        session.clear()  # deactivated since signing in: the session ends with the account
        return None
    return agent_id


def checked_principal() -> Principal | None:
    """The agent as this request's token check found them (role and teams), for a read service
    to take instead of reading them again (`inbox.conversations.listing.asking`); None for a
    cookie session."""
    access = g.get("token_access")
    return access.principal if access is not None else None


def needed_scope(method: str, path: str) -> str:
    """The scope a token needs for this request."""
    if method in READ_METHODS:
        return "read"
    return "admin" if path.startswith(ADMIN_PATHS) else "write"


def _check_scope(access: tokens.TokenAccess) -> None:
    scope = needed_scope(request.method, request.path)
    if not access.allows(scope):
        raise ApiError(
            403,
            "forbidden",
            N_("this token's scopes (%(choices)s) do not include %(scope)s"),
            choices=", ".join(access.scopes or ()),
            scope=scope,
        )
    if scope == "admin" and not access.allows("write"):
        raise ApiError(403, "forbidden", N_("this token's scopes do not include write"))


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
                if g.auth == "token":
                    raise ApiError(
                        401,
                        "unauthorized",
                        N_("this token is unknown, revoked or expired, or its agent is deactivated"),
                    )
                raise ApiError(401, "unauthorized", N_("log in or send Authorization: Bearer <token>"))
            return redirect(url_for("auth.login", next=path))
        if g.auth == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return None


def require_agent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("agent_id") is None:
            raise ApiError(401, "unauthorized", N_("log in or send Authorization: Bearer <token>"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    status = 200
    if request.method == "POST":
        csrf.protect()
        email, address = request.form.get("email", "")[:254], request.remote_addr or "unknown"
        limits = sign_in_limits()
        lock = limits.locked(email, address)
        agent_id = None if lock else agents.authenticate(inbox(), email, request.form.get("password", ""))
        if lock is None and agent_id is None:
            limits.failed(email, address)
        if agent_id is not None:
            session.clear()
            session["agent_id"] = agent_id
            session.permanent = True
            target = request.args.get("next") or "/"
            if urlsplit(target).netloc or not target.startswith("/"):
                target = "/"  # never redirect off-site
            return redirect(target)
        if lock is not None:
            error, status = lock.message, 429
        else:
            error, status = gettext("That email and password do not match an active agent."), 401
    resp = current_app.make_response(
        (
            render_template(
                "login.html",
                error=error,
                demo=current_app.config.get("MURMUR_DEMO_LOGIN"),
                demo_logins=current_app.config.get("MURMUR_DEMO_LOGINS"),
            ),
            status,
        )
    )
    if status == 429:
        resp.headers["Retry-After"] = str(lock.retry_after)  # type: ignore[union-attr]
    return resp


@bp.route("/invite/<secret>", methods=["GET", "POST"])
def accept_invite(secret: str) -> Any:
    """The one-time link of an invite: choose a password, then sign in with it."""
    who = people.invitee(inbox(), secret)
    if who is None:
        return render_template("admin_invite.html", who=None, error=None), 404
    error = None
    if request.method == "POST":
        csrf.protect()
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = "The two passwords differ."
        elif len(password) < people.MIN_PASSWORD:
            error = f"Choose at least {people.MIN_PASSWORD} characters."
        else:
            people.accept_invite(inbox(), secret, password)
            return redirect(url_for("auth.login", invited=who["email"]))
    return render_template("admin_invite.html", who=who, error=error), (400 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))
