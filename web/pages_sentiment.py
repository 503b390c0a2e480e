"""The supervisors' page for each team's sentiment calibration: figures, run now, roll back.

A shell; `sentiment_model.js` fills it from /api/teams/<id>/sentiment-model (the same API the
tests use). The teams are handed to the page as a JSON data block.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from inbox.store.models import Team
from web.auth import inbox
from web.shell import shell_page

bp = Blueprint("pages_sentiment", __name__, template_folder="templates")


@bp.get("/sentiment-model")
def sentiment_model_page() -> Any:
    """Per team: which scorer is in use, each version's before/after figures, and rollback."""
    with inbox().read() as s:
        teams = [{"id": t.id, "name": t.name} for t in s.scalars(select(Team).order_by(Team.name))]
    return shell_page("sentiment_model.html", least="supervisor", teams=teams)
