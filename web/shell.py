"""The app shell every signed-in page shares: who is signed in and what their role may open.

One list (`NAV`) says which pages exist and who sees them, so the top bar, the 403 check of a
page and the tests all read the same table. An entry whose page is not registered (yet) is left
out of the bar instead of linking to a 404, so a page appears in the navigation when it lands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l

from inbox.admin.agents import agent_dict, load_agent
from web.auth import inbox

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}


@dataclass(frozen=True)
class NavItem:
    path: str
    label: Any  # a lazy_gettext string: read in the request's language when the bar renders
    role: str  # the least role that sees it


NAV: tuple[NavItem, ...] = (
    NavItem("/", _l("Inbox"), "agent"),
    NavItem("/search", _l("Search"), "agent"),
    NavItem("/dashboard", _l("Dashboard"), "supervisor"),
    NavItem("/customers", _l("Customers"), "supervisor"),
    NavItem("/listening", _l("Listening"), "supervisor"),
    NavItem("/rules", _l("Rules"), "supervisor"),
    NavItem("/sla", _l("SLAs"), "supervisor"),
    NavItem("/team", _l("Team"), "supervisor"),
    NavItem("/admin/canned", _l("Canned replies"), "supervisor"),
    NavItem("/reports", _l("Reports"), "supervisor"),
    NavItem("/sentiment-model", _l("Sentiment model"), "supervisor"),
    NavItem("/winback", _l("Win-back"), "supervisor"),
    NavItem("/digest", _l("Weekly digest"), "supervisor"),
    NavItem("/admin/channels", _l("Channels"), "admin"),
    NavItem("/admin/teams", _l("Team admin"), "admin"),
    NavItem("/admin/tokens", _l("Tokens"), "admin"),
    NavItem("/admin/webhooks", _l("Webhooks"), "admin"),
    NavItem("/admin/audit", _l("Audit log"), "admin"),
)


def allowed(role: str, least: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[least]


def _registered(path: str) -> bool:
    adapter = current_app.url_map.bind("")
    try:
        adapter.match(path, method="GET")
    except Exception:  # noqa: BLE001 - NotFound, MethodNotAllowed or a redirect: not a page
        return False
    return True


def nav_for(role: str) -> list[NavItem]:
    """The pages `role` may open, in the bar's order."""
    return [item for item in NAV if allowed(role, item.role) and _registered(item.path)]


def current_agent() -> dict[str, Any]:
    with inbox().read() as s:
        return agent_dict(load_agent(s, g.agent_id))


def require_role(least: str) -> dict[str, Any]:
    """The signed-in agent; 403 (the shell's error page) before any work when their role is below `least`."""
    me = current_agent()
    if not allowed(me["role"], least):
        abort(403)
    return me


def shell_page(template: str, *, least: str = "agent", **context: Any) -> Any:
    """Render a signed-in page inside the shell; 403 when the signed-in role is below `least`."""
    me = context.pop("me", None) or current_agent()
    if not allowed(me["role"], least):
        abort(403)
    return render_template(template, me=me, nav=nav_for(me["role"]), current=request.path, **context)
