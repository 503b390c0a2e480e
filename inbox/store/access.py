"""Who may see what: agents see their teams' conversations and their own; supervisors see all.

Enforced in every service query, never only hidden in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import exists, or_, select, true
from sqlalchemy.orm import Session

from inbox.admin.agents import load_agent
from inbox.store.errors import N_, Forbidden, NotFound
from inbox.store.models import Conversation, Customer, Role

MANAGERS = (Role.ADMIN.value, Role.SUPERVISOR.value)


class Viewer(Protocol):
    """What the checks here read of an agent: an ORM `Agent`, or the `Principal` that
    `inbox.admin.principals` keeps between requests for the read paths."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def team_ids(self) -> Sequence[int]: ...


def sees_everything(agent: Viewer) -> bool:
    return agent.role in (Role.ADMIN.value, Role.SUPERVISOR.value)


def visible_clause(agent: Viewer) -> Any:
    """A WHERE clause limiting conversations to those `agent` may read."""
    if sees_everything(agent):
        return Conversation.id.is_not(None)
    return or_(Conversation.team_id.in_(agent.team_ids), Conversation.assignee_id == agent.id)


def customer_visible_clause(agent: Viewer) -> Any:
    """Customers an agent may see: one of their conversations is visible, or they have none yet."""
    if sees_everything(agent):
        return true()
    mine = select(Conversation.id).where(Conversation.customer_id == Customer.id, visible_clause(agent))
    anyone = select(Conversation.id).where(Conversation.customer_id == Customer.id)
    return or_(exists(mine), ~exists(anyone))


def check_visible(agent: Viewer, conv: Conversation) -> None:
    if sees_everything(agent) or conv.assignee_id == agent.id or conv.team_id in agent.team_ids:
        return
    raise Forbidden(N_("this conversation belongs to a team you are not in"))


def require_role(agent: Viewer, *roles: str) -> None:
    if agent.role not in roles:
        raise Forbidden(N_("this needs the role %(choices)s"), choices=" or ".join(roles))


def require_manager(s: Session, agent_id: int) -> int:
    """The id of `agent_id` if they are a supervisor or admin (who tune rules, SLAs, webhooks, reports)."""
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    require_role(agent, *MANAGERS)
    return agent.id
