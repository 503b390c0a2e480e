"""Server-rendered pages; the live parts are a little JavaScript over the same API and Socket.IO."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template

from inbox.admin.agents import agent_dict, load_agent
from web.auth import inbox

bp = Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


def _me() -> dict[str, Any]:
    with inbox().read() as s:
        return agent_dict(load_agent(s, g.agent_id))


@bp.get("/")
def inbox_page() -> Any:
    return render_template("inbox.html", me=_me())
