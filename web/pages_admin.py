"""Admin pages: channels with their health (add, edit, pause, test, poll now)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from web.shell import shell_page

bp = Blueprint("pages_admin", __name__, template_folder="templates")


@bp.get("/admin/channels")
def channels_page() -> Any:
    """The channel list; webhook channels show the URL to POST to (absolute, for this server)."""
    return shell_page("admin_channels.html", least="admin", base_url=request.host_url.rstrip("/"))
