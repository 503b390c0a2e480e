"""Routing glue: read agents' presence and load, ask the escalation leaf, write the assignee."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import AgentState, Router, RoutingDecision, RoutingRequest
from inbox.store.models import UNRESOLVED, Agent, Conversation, Team, agent_teams
from inbox.store.sql import dialect_of, in_list, list_param


def agent_states(session: Session) -> dict[int, AgentState]:
    """Every active agent with presence and open load: routing needs the offline ones too,
    to say truthfully whether a team has nobody or nobody online."""
    d = dialect_of(session)
    q = _queries(d)
    agents = session.connection().execute(q.agents).all()
    if not agents:
        return {}
    ids = list_param(d, [a.id for a in agents])
    loads = dict(session.connection().execute(q.loads, {"ids": ids}).all())
    teams: dict[int, set[int]] = {}
    for agent_id, team_id in session.connection().execute(q.teams, {"ids": ids}):
        teams.setdefault(agent_id, set()).add(team_id)
    return {
        a.id: AgentState(
            id=a.id,
            presence=a.presence,
            capacity=a.capacity,
            open_count=loads.get(a.id, 0),
            teams=frozenset(teams.get(a.id, ())),
            languages=frozenset(a.languages or ()),
            last_assigned_at=a.last_assigned_at.timestamp() if a.last_assigned_at else 0.0,
        )
        for a in agents
    }


def team_strategies(session: Session) -> dict[int, str]:
    return dict(session.execute(_queries(dialect_of(session)).strategies).all())


@cache
def _queries(dialect: str) -> SimpleNamespace:
    """Built once per dialect: every ingest batch that routes asks all of these."""
    return SimpleNamespace(
        agents=select(
            Agent.id, Agent.capacity, Agent.languages, Agent.last_assigned_at, Agent.presence
        ).where(Agent.active.is_(True)),
        loads=select(Conversation.assignee_id, func.count())
        .where(in_list(dialect, Conversation.assignee_id, "ids"), Conversation.status.in_(UNRESOLVED))
        .group_by(Conversation.assignee_id),
        teams=select(agent_teams.c.agent_id, agent_teams.c.team_id).where(
            in_list(dialect, agent_teams.c.agent_id, "ids")
        ),
        strategies=select(Team.id, Team.routing_strategy),
    )


def agent_router(session: Session) -> Router:
    """A router over every active agent's presence and load, for one batch of decisions."""
    return Router(agent_states(session).values())


def choose(router: Router, conv: Conversation, strategy: str, now_ts: float) -> RoutingDecision:
    """Decide; the router counts the assignment so the next decision in the batch sees it."""
    return router.route(RoutingRequest(conv.team_id, conv.language, conv.channel), strategy, now_ts)
