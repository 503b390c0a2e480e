"""The language switcher, the profile's interface settings and the browser's catalogues."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, request, session

from inbox.admin import people, preferences
from inbox.store.models.base import utcnow
from web.extensions import csrf
from web.shell import shell_page

bp = Blueprint("i18n", __name__)

# common zones of the teams Murmur serves first; any other IANA name may be typed in
ZONES: tuple[str, ...] = (
    "UTC",
    "Asia/Taipei",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
)


@bp.get("/i18n/<locale>.<digest>.js")
def catalog(locale: str, digest: str) -> Any:
    """The compiled catalogue of `locale` for `t()`; its hash is in the URL, so it is cached for a year."""
    built = current_app.extensions["murmur.catalogs"].get(locale)
    if built is None or built.digest != digest:
        abort(404)
    body = "window.MURMUR_I18N = " + built.json_path.read_text(encoding="utf-8") + ";\n"
    resp = current_app.response_class(body, mimetype="text/javascript")
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp


def _local(target: str | None) -> str:
    target = target or "/"
    if urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.post("/language")
def switch_language() -> Any:
    """The switcher (shell and sign-in page): kept in the session, and in the profile when signed in."""
    csrf.protect()
    locale = request.form.get("locale", "")
    if locale not in preferences.LOCALES:
        abort(400)
    session["locale"] = locale
    agent_id = session.get("agent_id")
    if agent_id is not None and people.is_active(current_app.extensions["murmur.inbox"], agent_id):
        preferences.save(
            current_app.extensions["murmur.inbox"], agent_id, locale=locale, fields=frozenset({"locale"})
        )
    return redirect(_local(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/profile", methods=["GET", "POST"])
def profile() -> Any:
    """The agent's own interface settings: language, time zone, and (for Thai) the Buddhist Era."""
    inbox = current_app.extensions["murmur.inbox"]
    if request.method == "POST":
        era = request.form.get("calendar", "")
        preferences.save(
            inbox,
            g.agent_id,
            locale=request.form.get("locale") or None,
            timezone=(request.form.get("timezone") or "").strip() or None,
            buddhist_era={"buddhist": True, "gregory": False}.get(era),
        )
        session.pop("locale", None)
        return redirect("/profile?saved=1")
    prefs = preferences.load(inbox, g.agent_id)
    return shell_page(
        "profile.html", prefs=prefs, zones=ZONES, saved=request.args.get("saved") == "1", now=utcnow()
    )
