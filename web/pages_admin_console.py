"""The admin console's pages: teams and agents, canned replies, API tokens, webhooks, audit log.

Each page is a shell page (web.shell) whose script reads and writes the REST API the page
documents, so the browser and a script can do exactly the same things.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from inbox.admin.canned import PLACEHOLDERS
from inbox.admin.tokens import SCOPES
from inbox.store.events import NAMES as EVENT_NAMES
from web.shell import shell_page

bp = Blueprint("pages_admin_console", __name__, template_folder="templates")


@bp.get("/admin/teams")
def teams_page() -> Any:
    return shell_page("admin_teams.html", least="admin")


@bp.get("/admin/canned")
def canned_page() -> Any:
    return shell_page("admin_canned.html", least="supervisor", placeholders=PLACEHOLDERS)


@bp.get("/admin/tokens")
def tokens_page() -> Any:
    return shell_page("admin_tokens.html", least="admin", scopes=SCOPES)


@bp.get("/admin/webhooks")
def webhooks_page() -> Any:
    return shell_page("admin_webhooks.html", least="admin", events=sorted(EVENT_NAMES))


@bp.get("/admin/audit")
def audit_page() -> Any:
    return shell_page("admin_audit.html", least="admin")
