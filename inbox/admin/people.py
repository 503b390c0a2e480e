"""Agents as an admin manages them: invite, role, capacity, languages, deactivate, reactivate.

An invite is a one-time link: only its digest is stored, it expires, and setting a password
through it consumes it. A deactivated agent can neither sign in nor use a token (both lookups
require `active`), and their open conversations go back to routing at once, manual ones too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from inbox.admin import principals
from inbox.admin.audit import record
from inbox.admin.teams import _admin
from inbox.automation.presence import reroute_absent
from inbox.store.context import Inbox
from inbox.store.errors import N_, Conflict, Invalid, NotFound
from inbox.store.models import UNRESOLVED, Agent, Conversation, Presence, Role, Team
from inbox.store.security import hash_password, new_token, token_digest

INVITE_VALID = timedelta(days=7)
MIN_PASSWORD = 8


def person_dict(a: Agent, open_count: int = 0) -> dict[str, Any]:
    return {
        "id": a.id,
        "email": a.email,
        "name": a.name,
        "role": a.role,
        "teams": [{"id": t.id, "name": t.name} for t in a.teams],
        "languages": a.languages or [],
        "capacity": a.capacity,
        "presence": a.presence,
        "active": a.active,
        "invited": a.invite_hash is not None,
        "open": open_count,
    }


def is_active(inbox: Inbox, agent_id: int) -> bool:
    """Whether a signed-in session's agent may still act (kept between requests until any
    change to agents: `inbox.admin.principals`)."""
    with inbox.glance() as s:
        return principals.principal(s, agent_id) is not None


def listing(inbox: Inbox, actor_id: int) -> list[dict[str, Any]]:
    """Every agent, active first, with their open load."""
    with inbox.read() as s:
        _admin(s, actor_id)
        loads = dict(
            s.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.status.in_(UNRESOLVED), Conversation.assignee_id.is_not(None))
                .group_by(Conversation.assignee_id)
            ).all()
        )
        people = s.scalars(select(Agent).options(selectinload(Agent.teams)).order_by(Agent.name, Agent.id))
        return sorted((person_dict(a, loads.get(a.id, 0)) for a in people), key=lambda p: not p["active"])


def _teams(s: Session, team_ids: list[int]) -> list[Team]:
    teams = list(s.scalars(select(Team).where(Team.id.in_(team_ids)))) if team_ids else []
    missing = set(team_ids) - {t.id for t in teams}
    if missing:
        raise NotFound(N_("no team %(id)s"), "team_ids", id=min(missing))
    if any(t.archived_at is not None for t in teams):
        raise Conflict(N_("an archived team takes no members"), "team_ids")
    return teams


def _role(role: str) -> str:
    if role not in {r.value for r in Role}:
        raise Invalid(N_("role must be one of admin, supervisor, agent"), "role")
    return role


def invite(
    inbox: Inbox,
    actor_id: int,
    email: str,
    name: str,
    role: str = "agent",
    team_ids: list[int] | None = None,
    languages: list[str] | None = None,
    capacity: int = 10,
) -> tuple[dict[str, Any], str]:
    """Create an agent who has no password yet; returns them and the secret of their one-time link."""
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid(N_("email must be an email address"), "email")
    secret = new_token()
    with inbox.unit_of_work() as uow:
        s = uow.session
        _admin(s, actor_id)
        if s.scalar(select(Agent.id).where(Agent.email == email)):
            raise Conflict(N_("an agent with email %(email)s exists"), "email", email=email)
        agent = Agent(
            email=email,
            name=name.strip() or email.split("@")[0],
            password_hash="!",  # matches no password: signing in needs the invite first
            role=_role(role),
            languages=languages or ["en"],
            capacity=capacity,
            teams=_teams(s, team_ids or []),
            invite_hash=token_digest(secret),
            invite_expires_at=inbox.clock() + INVITE_VALID,
            created_at=inbox.clock(),
        )
        s.add(agent)
        s.flush()
        record(
            s, inbox.clock(), actor_id, "agent.invited", f"agent:{agent.id}", {"email": email, "role": role}
        )
        return person_dict(agent), secret


def new_link(inbox: Inbox, actor_id: int, agent_id: int) -> tuple[dict[str, Any], str]:
    """A fresh one-time link to choose a password, for an invite that expired or a forgotten
    password; an earlier link stops working. The current password works until the link is used."""
    secret = new_token()
    with inbox.unit_of_work() as uow:
        s = uow.session
        _admin(s, actor_id)
        agent = s.scalar(
            select(Agent).options(selectinload(Agent.teams)).where(Agent.id == agent_id).with_for_update()
        )
        if agent is None:
            raise NotFound(N_("no agent %(agent_id)s"), agent_id=agent_id)
        if not agent.active:
            raise Conflict(N_("reactivate this agent first"), "active")
        agent.invite_hash = token_digest(secret)
        agent.invite_expires_at = inbox.clock() + INVITE_VALID
        record(s, inbox.clock(), actor_id, "agent.password_link", f"agent:{agent.id}", {"email": agent.email})
        return person_dict(agent), secret


def invitee(inbox: Inbox, secret: str) -> dict[str, Any] | None:
    """The agent a still valid invite link is for (None: unknown, used or expired)."""
    with inbox.read() as s:
        agent = s.scalar(
            select(Agent).where(Agent.invite_hash == token_digest(secret), Agent.active.is_(True))
        )
        if agent is None or agent.invite_expires_at is None or agent.invite_expires_at <= inbox.clock():
            return None
        return {"id": agent.id, "email": agent.email, "name": agent.name}


def accept_invite(inbox: Inbox, secret: str, password: str) -> int:
    """Set the password through the invite link, consuming it; returns the agent's id."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            N_("password must have at least %(min_password)s characters"),
            "password",
            min_password=MIN_PASSWORD,
        )
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = s.scalar(
            select(Agent)
            .where(Agent.invite_hash == token_digest(secret), Agent.active.is_(True))
            .with_for_update()
        )
        if agent is None or agent.invite_expires_at is None or agent.invite_expires_at <= inbox.clock():
            raise NotFound(
                N_("this invitation link is not valid any more: ask your admin for a new one"), "token"
            )
        agent.password_hash = hash_password(password)
        agent.invite_hash = None
        agent.invite_expires_at = None
        record(s, inbox.clock(), agent.id, "agent.invite_accepted", f"agent:{agent.id}")
        return agent.id


def change(
    inbox: Inbox,
    actor_id: int,
    agent_id: int,
    *,
    name: str | None = None,
    role: str | None = None,
    capacity: int | None = None,
    languages: list[str] | None = None,
    team_ids: list[int] | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Change what is given, one audit entry per kind of change; deactivating re-routes open work."""
    deactivated = False
    with inbox.unit_of_work() as uow:
        s = uow.session
        _admin(s, actor_id)
        agent = s.scalar(
            select(Agent).options(selectinload(Agent.teams)).where(Agent.id == agent_id).with_for_update()
        )
        if agent is None:
            raise NotFound(N_("no agent %(agent_id)s"), agent_id=agent_id)
        target = f"agent:{agent.id}"
        if agent.id == actor_id and (active is False or (role is not None and role != "admin")):
            raise Conflict(
                N_("you cannot deactivate or demote yourself; ask another admin"),
                "active" if active is False else "role",
            )
        if name is not None and name.strip() and name.strip() != agent.name:
            record(
                s, inbox.clock(), actor_id, "agent.renamed", target, {"from": agent.name, "to": name.strip()}
            )
            agent.name = name.strip()
        if role is not None and role != agent.role:
            record(s, inbox.clock(), actor_id, "agent.role", target, {"from": agent.role, "to": _role(role)})
            agent.role = role
        if capacity is not None and capacity != agent.capacity:
            record(
                s, inbox.clock(), actor_id, "agent.capacity", target, {"from": agent.capacity, "to": capacity}
            )
            agent.capacity = capacity
        if languages is not None and list(languages) != list(agent.languages or []):
            record(
                s,
                inbox.clock(),
                actor_id,
                "agent.languages",
                target,
                {"from": agent.languages, "to": list(languages)},
            )
            agent.languages = list(languages)
        if team_ids is not None and set(team_ids) != set(agent.team_ids):
            before = set(agent.team_ids)
            agent.teams = _teams(s, list(team_ids))
            record(
                s,
                inbox.clock(),
                actor_id,
                "agent.teams",
                target,
                {"added": sorted(set(team_ids) - before), "removed": sorted(before - set(team_ids))},
            )
        if active is not None and active != agent.active:
            agent.active = active
            record(
                s,
                inbox.clock(),
                actor_id,
                "agent.activated" if active else "agent.deactivated",
                target,
                {"email": agent.email},
            )
            if not active:
                deactivated = True
                agent.presence = Presence.OFFLINE.value
                agent.presence_changed_at = inbox.clock()
                # their manual assignments go back to routing too: nobody will answer them here
                s.execute(
                    update(Conversation)
                    .where(Conversation.assignee_id == agent.id, Conversation.status.in_(UNRESOLVED))
                    .values(assigned_manually=False)
                )
        s.flush()
        out = person_dict(agent)
    if deactivated:
        reroute_absent(inbox)
    return out
