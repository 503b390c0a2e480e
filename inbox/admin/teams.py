"""Teams as an admin manages them: create, rename, archive, members, routing strategy.

A team is archived, never deleted: its conversations and audit entries keep naming it, and an
archived team takes no new members. Routing reads `routing_strategy` on every decision, so a
change applies to the next conversation routed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from escalation.routing import STRATEGIES
from inbox.admin.audit import record
from inbox.store.access import require_role
from inbox.store.context import Inbox
from inbox.store.errors import N_, Conflict, Invalid, NotFound
from inbox.store.models import UNRESOLVED, Agent, Conversation, Team

WAITING_SHOWN = 5  # waiting conversations listed per team, newest first


def _admin(s: Session, actor_id: int) -> Agent:
    actor = s.get(Agent, actor_id)
    if actor is None or not actor.active:
        raise NotFound(N_("agent not found"))
    require_role(actor, "admin")
    return actor


def team_dict(team: Team, queued: int = 0) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "routing_strategy": team.routing_strategy,
        "default_language": team.default_language,
        "archived": team.archived_at is not None,
        "archived_at": team.archived_at.isoformat() if team.archived_at else None,
        "members": [
            {"id": a.id, "name": a.name, "email": a.email, "capacity": a.capacity, "languages": a.languages}
            for a in sorted(team.agents, key=lambda a: a.name)
            if a.active
        ],
        "queued": queued,
    }


def listing(inbox: Inbox, actor_id: int) -> list[dict[str, Any]]:
    """Every team (archived last) with its active members, how many conversations wait in its
    queue, and why the newest few of them wait (routing's own words)."""
    with inbox.read() as s:
        _admin(s, actor_id)
        unheld = (Conversation.status.in_(UNRESOLVED), Conversation.assignee_id.is_(None))
        queued = dict(
            s.execute(
                select(Conversation.team_id, func.count()).where(*unheld).group_by(Conversation.team_id)
            ).all()
        )
        why: dict[int, list[dict[str, Any]]] = {}
        recent = s.execute(
            select(Conversation.id, Conversation.team_id, Conversation.subject, Conversation.queue_reason)
            .where(*unheld, Conversation.team_id.is_not(None))
            .order_by(Conversation.id.desc())
            .limit(WAITING_SHOWN * 20)
        )
        for r in recent:
            shown = why.setdefault(r.team_id, [])
            if len(shown) < WAITING_SHOWN:
                shown.append({"id": r.id, "subject": r.subject, "queue_reason": r.queue_reason})
        teams = s.scalars(select(Team).options(selectinload(Team.agents)).order_by(Team.name))
        out = [{**team_dict(t, queued.get(t.id, 0)), "waiting": why.get(t.id, [])} for t in teams]
    return sorted(out, key=lambda t: t["archived"])


def _check_name(s: Session, name: str, team_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise Invalid(N_("name must not be empty"), "name")
    other = s.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if other is not None and other != team_id:
        raise Conflict(N_("a team named %(name)s exists"), "name", name=repr(name))
    return name


class Unset:
    """The default of an argument that may be set to None on purpose (a cleared default language)."""


UNSET = Unset()

#: what a team may write to customers in by default: the languages Murmur's customer texts exist in
LANGUAGES = ("en", "th", "zh-Hant", "zh-Hans")


def _language(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in LANGUAGES:
        raise Invalid(
            N_("default_language must be one of %(choices)s"),
            "default_language",
            choices=", ".join(LANGUAGES),
        )
    return value


def _strategy(value: str) -> str:
    if value not in STRATEGIES:
        raise Invalid(
            N_("routing_strategy must be one of %(choices)s"),
            "routing_strategy",
            choices=", ".join(STRATEGIES),
        )
    return value


def create(
    inbox: Inbox,
    actor_id: int,
    name: str,
    routing_strategy: str = "round_robin",
    default_language: str | None = None,
) -> dict[str, Any]:
    with inbox.unit_of_work() as uow:
        s = uow.session
        _admin(s, actor_id)
        team = Team(
            name=_check_name(s, name),
            routing_strategy=_strategy(routing_strategy),
            default_language=_language(default_language),
        )
        s.add(team)
        s.flush()
        record(
            s,
            inbox.clock(),
            actor_id,
            "team.created",
            f"team:{team.id}",
            {"name": team.name, "routing_strategy": routing_strategy, "default_language": default_language},
        )
        return team_dict(team)


def change(
    inbox: Inbox,
    actor_id: int,
    team_id: int,
    name: str | None = None,
    routing_strategy: str | None = None,
    archived: bool | None = None,
    member_ids: list[int] | None = None,
    default_language: str | None | Unset = UNSET,
) -> dict[str, Any]:
    """Rename, set the strategy or default language, archive or restore, or replace the members; one
    audit entry per change. `default_language=None` clears it; leaving it out keeps it."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        _admin(s, actor_id)
        team = s.scalar(
            select(Team).options(selectinload(Team.agents)).where(Team.id == team_id).with_for_update()
        )
        if team is None:
            raise NotFound(N_("no team %(team_id)s"), team_id=team_id)
        target = f"team:{team.id}"
        if name is not None and name.strip() != team.name:
            new = _check_name(s, name, team.id)
            record(s, inbox.clock(), actor_id, "team.renamed", target, {"from": team.name, "to": new})
            team.name = new
        if routing_strategy is not None and routing_strategy != team.routing_strategy:
            record(
                s,
                inbox.clock(),
                actor_id,
                "team.routing",
                target,
                {"from": team.routing_strategy, "to": _strategy(routing_strategy)},
            )
            team.routing_strategy = routing_strategy
        if not isinstance(default_language, Unset) and default_language != team.default_language:
            new_language = _language(default_language)
            record(
                s,
                inbox.clock(),
                actor_id,
                "team.language",
                target,
                {"from": team.default_language, "to": new_language},
            )
            team.default_language = new_language
        if archived is not None and archived != (team.archived_at is not None):
            team.archived_at = inbox.clock() if archived else None
            record(
                s,
                inbox.clock(),
                actor_id,
                "team.archived" if archived else "team.restored",
                target,
                {"name": team.name},
            )
        if member_ids is not None:
            if team.archived_at is not None:
                raise Conflict(N_("an archived team takes no members; restore it first"), "member_ids")
            wanted = set(member_ids)
            agents = list(s.scalars(select(Agent).where(Agent.id.in_(wanted)))) if wanted else []
            missing = wanted - {a.id for a in agents}
            if missing:
                raise NotFound(N_("no agent %(id)s"), "member_ids", id=min(missing))
            before = {a.id for a in team.agents}
            if before != wanted:
                team.agents = agents
                record(
                    s,
                    inbox.clock(),
                    actor_id,
                    "team.members",
                    target,
                    {"added": sorted(wanted - before), "removed": sorted(before - wanted)},
                )
        s.flush()
        return team_dict(team)


def require_admin(inbox: Inbox, agent_id: int) -> None:
    """403 unless `agent_id` is an active admin (for reads that have no service of their own)."""
    with inbox.read() as s:
        _admin(s, agent_id)
