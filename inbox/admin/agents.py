"""Agents: accounts, authentication, API tokens and presence."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inbox.admin import tokens
from inbox.store.context import Inbox
from inbox.store.errors import N_, Conflict, Invalid, NotFound
from inbox.store.models import Agent, AuditLog, Presence, Role, Team
from inbox.store.security import hash_password, verify_password


def create_agent(
    inbox: Inbox,
    email: str,
    password: str,
    role: str = "agent",
    name: str | None = None,
    teams: list[str] | None = None,
    languages: list[str] | None = None,
    capacity: int = 10,
) -> int:
    if role not in {r.value for r in Role}:
        raise Invalid(
            N_("role must be one of admin, supervisor, agent (got %(role)s)"), "role", role=repr(role)
        )
    if "@" not in email:
        raise Invalid(N_("email must be an email address"), "email")
    if len(password) < 8:
        raise Invalid(N_("password must have at least 8 characters"), "password")
    with inbox.unit_of_work() as uow:
        s = uow.session
        if s.scalar(select(Agent.id).where(Agent.email == email.lower())):
            raise Conflict(N_("an agent with email %(email)s exists"), "email", email=email)
        agent = Agent(
            email=email.lower(),
            name=name or email.split("@")[0],
            password_hash=hash_password(password),
            role=role,
            languages=languages or ["en"],
            capacity=capacity,
            teams=[_team(s, t) for t in teams or []],
        )
        s.add(agent)
        s.flush()
        s.add(
            AuditLog(
                agent_id=None, action="agent.created", target=f"agent:{agent.id}", details={"role": role}
            )
        )
        return agent.id


def _team(s: Session, name: str) -> Team:
    team = s.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        s.add(team)
        s.flush()
    return team


def authenticate(inbox: Inbox, email: str, password: str) -> int | None:
    with inbox.read() as s:
        agent = s.scalar(select(Agent).where(Agent.email == email.strip().lower(), Agent.active.is_(True)))
        if agent is None or not verify_password(agent.password_hash, password):
            return None
        return agent.id


def create_token(
    inbox: Inbox, email: str, name: str = "command line", scopes: list[str] | None = None
) -> str:
    """Make a bearer token (`murmur create-token`); only its digest is stored, so it is shown once.
    Without scopes it has every power of its agent, as tokens always had."""
    with inbox.read() as s:
        agent_id = s.scalar(select(Agent.id).where(Agent.email == email.lower()))
    if agent_id is None:
        raise NotFound(N_("no agent with email %(email)s"), "email", email=email)
    return tokens.issue(inbox, agent_id, agent_id, name, scopes)["secret"]


def agent_for_token(inbox: Inbox, token: str) -> int | None:
    """The agent a usable token speaks for (see `tokens.access_for` for its scopes)."""
    access = tokens.access_for(inbox, token)
    return access.agent_id if access else None


def load_agent(s: Session, agent_id: int) -> Agent | None:
    return s.scalar(
        select(Agent).options(selectinload(Agent.teams)).where(Agent.id == agent_id, Agent.active.is_(True))
    )


def set_presence(inbox: Inbox, agent_id: int, presence: str) -> None:
    if presence not in {p.value for p in Presence}:
        raise Invalid(N_("presence must be online, away or offline"), "presence")
    with inbox.unit_of_work() as uow:
        agent = load_agent(uow.session, agent_id)
        if agent is None or agent.presence == presence:
            return
        agent.presence = presence
        agent.presence_changed_at = inbox.clock()
        rooms = ("supervisors", *(f"team:{t}" for t in agent.team_ids))
        uow.emit("agent.presence", {"agent_id": agent.id, "name": agent.name, "presence": presence}, rooms)


def agent_dict(agent: Agent) -> dict:
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "teams": [{"id": t.id, "name": t.name} for t in agent.teams],
        "languages": agent.languages,
        "capacity": agent.capacity,
        "presence": agent.presence,
    }
