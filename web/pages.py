"""Server-rendered pages; the live parts are a little JavaScript over the same API and Socket.IO."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, request
from sqlalchemy import select

from inbox.store.models import Agent, Team
from web.auth import inbox
from web.shell import shell_page

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
