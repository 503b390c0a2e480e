"""Routing glue: read agents' presence and load, ask the escalation leaf, write the assignee."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import AgentState, RoutingDecision, RoutingRequest, route
from inbox.models import Agent, Conversation, Status, Team, agent_teams


def agent_states(session: Session) -> dict[int, AgentState]:
    """Every active agent with presence and open load: routing needs the offline ones too,
    to say truthfully whether a team has nobody or nobody online."""
    agents = session.execute(
        select(Agent.id, Agent.capacity, Agent.languages, Agent.last_assigned_at, Agent.presence).where(
            Agent.active.is_(True)
        )
    ).all()
    if not agents:
        return {}
    ids = [a.id for a in agents]
    loads = dict(
        session.execute(
            select(Conversation.assignee_id, func.count())
            .where(Conversation.assignee_id.in_(ids), Conversation.status != Status.RESOLVED.value)
            .group_by(Conversation.assignee_id)
        ).all()
    )
    teams: dict[int, set[int]] = {}
    for agent_id, team_id in session.execute(select(agent_teams.c.agent_id, agent_teams.c.team_id).where(
        agent_teams.c.agent_id.in_(ids)
    )):
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
    return dict(session.execute(select(Team.id, Team.routing_strategy)).all())


def choose(
    states: dict[int, AgentState], conv: Conversation, strategy: str, now_ts: float
) -> RoutingDecision:
    """Decide, and update the in-memory load so the next decision in the batch sees it."""
    decision = route(RoutingRequest(conv.team_id, conv.language, conv.channel), states.values(), strategy)
    if decision.agent_id is not None:
        s = states[decision.agent_id]
        states[decision.agent_id] = AgentState(
            s.id, s.presence, s.capacity, s.open_count + 1, s.teams, s.languages, s.channels, now_ts
        )
    return decision
