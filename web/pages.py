"""Server-rendered pages; the live parts are a little JavaScript over the same API and Socket.IO."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, request
from sqlalchemy import select

from inbox.customers import directory
from inbox.store.models import Agent, Team
from web.api import query
from web.api.customers import STAGES, DirectoryQuery
from web.auth import inbox
from web.shell import require_role, shell_page

bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


def people() -> dict[str, list[dict[str, Any]]]:
    """Every active agent and every team by name, so the inbox assigns to a name, never to "agent 3"."""
    with inbox().read() as s:
        agents = s.execute(
            select(Agent.id, Agent.name, Agent.email).where(Agent.active.is_(True)).order_by(Agent.name)
        ).all()
        teams = s.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return {
        "agents": [{"id": a.id, "name": a.name or a.email} for a in agents],
        "teams": [{"id": t.id, "name": t.name} for t in teams],
    }


@bp.get("/")
def inbox_page() -> Any:
    """The agent inbox; `?conversation=N` opens that conversation, `?q=` runs a search."""
    return shell_page("inbox.html", people=people(), q=request.args.get("q", "")[:200])


@bp.get("/search")
def search_page() -> Any:
    """Search lives in the inbox's top bar: this opens the inbox with the search box focused."""
    q = request.args.get("q", "")[:200]
    return redirect("/?" + urlencode({"q": q} if q else {"search": "1"}))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers and feed readers ask for /favicon.ico whatever the page links: answer with the mark."""
    return bp.send_static_file("favicon.ico")


@bp.get("/customers")
def customers_page() -> Any:
    """The customer directory for supervisors; each row opens the customer's latest conversation."""
    me = require_role("supervisor")
    q = query(DirectoryQuery)
    data = directory.list_customers(
        inbox(), me["id"], q=q.q, vip=q.vip, stage=q.stage, before=q.before, limit=q.limit
    )
    keep = {k: v for k, v in request.args.items() if k in ("q", "vip", "stage") and v}
    more = "/customers?" + urlencode({**keep, "before": data["more_before"]}) if data["more_before"] else None
    return shell_page(
        "customers.html", least="supervisor", me=me, data=data, args=keep, stages=STAGES, more=more
    )
