"""Pages for supervisors: the rule editor, SLA policies, and the team's presence and load.

The pages are shells; `rules.js`, `sla.js` and `team.js` build them from the same API the
scripts and tests use. What the API has no list for (teams, labels, canned replies) is handed
to the page as a JSON data block, so the editor can offer choices instead of bare ids.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from inbox.store.models import CannedResponse, Label, Team
from web.auth import inbox
from web.shell import shell_page

bp = Blueprint("pages_escalation", __name__, template_folder="templates")


def _manager_page(template: str) -> Any:
    """Render `template` for a supervisor or admin, with the choices the editors offer; 403 otherwise."""
    with inbox().read() as s:
        teams = list(s.scalars(select(Team).order_by(Team.archived_at.is_not(None), Team.name)))
        names = {t.id: t.name for t in teams}
        choices = {
            # archived teams stay listed so a rule that names one still reads by name; the editor
            # marks them and the API refuses to newly assign to them
            "teams": [{"id": t.id, "name": t.name, "archived": t.archived_at is not None} for t in teams],
            "labels": list(s.scalars(select(Label.name).order_by(Label.name))),
            # two teams may each have a "/refund": the team tells them apart in the picker
            "canned": [
                {"id": c.id, "name": c.shortcut, "team": names.get(c.team_id) if c.team_id else None}
                for c in s.scalars(
                    select(CannedResponse).order_by(CannedResponse.shortcut, CannedResponse.id)
                )
            ],
        }
    return shell_page(template, least="supervisor", choices=choices)


@bp.get("/rules")
def rules_page() -> Any:
    """The rule list (order, enable, delete) and the editor with its dry run."""
    return _manager_page("rules.html")


@bp.get("/sla")
def sla_page() -> Any:
    """SLA policies with their business hours and holidays."""
    return _manager_page("sla.html")


@bp.get("/team")
def team_page() -> Any:
    """Agents' presence and load, live."""
    return _manager_page("team.html")
