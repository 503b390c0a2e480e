"""The weekly digest's settings page: switch it on, choose its figures, download it as PDF.

A plain form (POST with the CSRF token) over the same service as `PUT /api/digest/settings`;
figures are listed from the registry (`inbox.insights.digest.figures.available`), so a feature
that registers figures (listening streams) appears here without touching this page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request
from flask_babel import gettext

from inbox.insights.digest import service as digests
from inbox.store.errors import Invalid
from web.api.digest import pdf_response
from web.auth import inbox
from web.errors import translated
from web.shell import require_role, shell_page

bp = Blueprint("pages_digest", __name__, template_folder="templates")


def _render(
    me: dict[str, Any], settings: dict[str, Any], error: str | None = None, saved: bool = False
) -> Any:
    smtp = bool(inbox().settings.get("smtp"))
    return shell_page(
        "digest.html", least="supervisor", me=me, s=settings, error=error, saved=saved, smtp=smtp
    )


@bp.get("/digest")
def digest_page() -> Any:
    me = require_role("supervisor")
    return _render(me, digests.get_settings(inbox(), me["id"]), saved=request.args.get("saved") == "1")


@bp.post("/digest")
def digest_save() -> Any:
    """Save and come back to the page (POST, redirect, GET); a bad choice re-shows the form with why."""
    me = require_role("supervisor")
    enabled = request.form.get("enabled") == "on"
    figures = request.form.getlist("figures")
    try:
        digests.save_settings(inbox(), me["id"], enabled, figures)
    except Invalid as exc:
        settings = digests.get_settings(inbox(), me["id"])
        settings.update(
            enabled=enabled, figures=[f for f in figures if f in {a["key"] for a in settings["available"]}]
        )
        message = (
            gettext("Choose at least one figure for the digest.")
            if not figures
            else gettext("One of the chosen figures no longer exists: %(error)s", error=translated(exc))
        )
        return _render(me, settings, error=message), 400
    return redirect("/digest?saved=1", code=303)


@bp.get("/digest.pdf")
def digest_pdf_page() -> Any:
    """Last week's digest as PDF, for the signed-in manager."""
    me = require_role("supervisor")
    return pdf_response(me["id"], None)
