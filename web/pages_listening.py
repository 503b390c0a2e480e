"""The listening page: streams with their editor, the live feed of mentions, the streams' alerts.

A shell; `listening.js` builds it from /api/listening, and hears `mention.created`,
`mention.promoted` and `alert.spike` over Socket.IO in the rooms the inbox uses.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from inbox.store.models import Team
from web.auth import inbox
from web.shell import shell_page

bp = Blueprint("pages_listening", __name__, template_folder="templates")


@bp.get("/listening")
def listening_page() -> Any:
    """Supervisors and admins: what people say about the brand, its products and its competitors."""
    with inbox().read() as s:
        teams = [{"id": t.id, "name": t.name} for t in s.scalars(select(Team).order_by(Team.name))]
    return shell_page("listening.html", least="supervisor", choices={"teams": teams})
