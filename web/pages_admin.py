"""Admin pages: channels with their health (add, edit, pause, test, poll now)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template

from inbox.admin.agents import agent_dict, load_agent
from web.auth import inbox

bp = Blueprint("pages_admin", __name__, template_folder="templates")


@bp.get("/admin/channels")
def channels_page() -> Any:
    with inbox().read() as s:
        me = agent_dict(load_agent(s, g.agent_id))
    if me["role"] != "admin":
        abort(403)
    return render_template("admin_channels.html", me=me)
