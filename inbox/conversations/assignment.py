"""Routing glue: read agents' presence and load, ask the escalation leaf, write the assignee."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, case, func, literal, select
from sqlalchemy.orm import Session

from escalation import AgentState, Router, RoutingDecision, RoutingRequest
from inbox.channels.pipelined import together
from inbox.store import settings_cache
from inbox.store.models import UNRESOLVED, Agent, Conversation, Team, agent_teams
from inbox.store.sql import dialect_of, in_list, list_param


def agent_states(session: Session, team_id: int | None = None, lock: bool = False) -> dict[int, AgentState]:
    """Active agents with presence and open load: every one, or only the members of `team_id`.
    Routing needs the offline ones too, to say truthfully whether a team has nobody or nobody
    online; the load is counted for the online ones only (nobody routes to the others), each
    from the index (assignee_id, status) over its unresolved conversations alone.

    Who the agents are (capacity, languages, teams) is kept between batches
    (`inbox.store.settings_cache`, bumped by any write to agents or teams); their presence,
    last assignment and load are read live.

    `lock` (a batch that assigns from what it reads): on PostgreSQL the agents' rows are locked
    first (`FOR NO KEY UPDATE`, in id order, until the transaction ends), so two batches
    routing to one team at once take turns: the second reads the load after the first has
    committed its assignment and cannot put an agent over capacity. The lock and the read are
    two statements, so the read's snapshot is taken after the wait (one statement would count
    the load as it was before the other batch committed), sent in one pipeline: no extra round
    trip. SQLite needs nothing: every write transaction holds the database's write lock from
    BEGIN IMMEDIATE, so routing batches already run one after the other."""
    d = dialect_of(session)
    q = _queries(d)
    conn = session.connection()
    roster = settings_cache.cached(session, settings_cache.AGENTS, team_id, lambda: _roster(session, team_id))
    if not roster:
        return {}
    ids = {"ids": list_param(d, roster)}
    if lock and d == "postgresql":
        live: Any = together(conn, [(q.lock, ids), (q.live, ids)])[1]
    else:
        live = conn.execute(q.live, ids).all()
    out = {}
    for a in live:
        capacity, languages, teams = roster[a.id]
        out[a.id] = AgentState(
            id=a.id,
            presence=a.presence,
            capacity=capacity,
            open_count=a.open_count or 0,
            teams=teams,
            languages=languages,
            last_assigned_at=_timestamp(a.last_assigned_at),
        )
    return out


def _timestamp(at: datetime | None) -> float:
    """Seconds since the epoch of a stored UTC time (naive when read on the driver's cursor)."""
    if at is None:
        return 0.0
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


def _roster(session: Session, team_id: int | None) -> dict[int, tuple[int, frozenset[str], frozenset[int]]]:
    """Active agents (of `team_id`, or all): id -> (capacity, languages, teams), in id order."""
    d = dialect_of(session)
    q = _queries(d)
    conn = session.connection()
    agents = conn.execute(q.agents if team_id is None else q.team_agents, {"team": team_id}).all()
    if not agents:
        return {}
    teams: dict[int, set[int]] = {}
    for agent_id, team in conn.execute(q.teams, {"ids": list_param(d, [a.id for a in agents])}):
        teams.setdefault(agent_id, set()).add(team)
    return {a.id: (a.capacity, frozenset(a.languages or ()), frozenset(teams.get(a.id, ()))) for a in agents}


def team_strategy(session: Session, team_id: int) -> str:
    """How `team_id` routes (round robin unless the team says otherwise), kept like the roster."""
    return settings_cache.cached(
        session,
        settings_cache.AGENTS,
        ("strategy", team_id),
        lambda: (
            session.connection().scalar(_queries(dialect_of(session)).strategy, {"team": team_id})
            or "round_robin"
        ),
    )


def archived_teams(session: Session) -> frozenset[int]:
    """Ids of the archived teams, which take no new conversations; kept like the roster."""
    return settings_cache.cached(
        session,
        settings_cache.AGENTS,
        "archived",
        lambda: frozenset(session.connection().scalars(select(Team.id).where(Team.archived_at.is_not(None)))),
    )


def team_strategies(session: Session) -> dict[int, str]:
    return dict(session.execute(_queries(dialect_of(session)).strategies).all())


@cache
def _queries(dialect: str) -> SimpleNamespace:
    """Built once per dialect: every ingest batch that routes asks all of these."""
    agent = select(Agent.id, Agent.capacity, Agent.languages)
    # an online agent's unresolved conversations, from the index (assignee_id, status); the
    # statuses as plain bound values, not an "expanding" IN rendered at execution (the read is
    # also sent on the driver's cursor, see `agent_states`)
    load = (
        select(func.count())
        .where(
            Conversation.assignee_id == Agent.id, Conversation.status.in_([literal(v) for v in UNRESOLVED])
        )
        .correlate(Agent)
        .scalar_subquery()
    )
    return SimpleNamespace(
        agents=agent.where(Agent.active.is_(True)).order_by(Agent.id),
        # routing's turn per agent (see `agent_states`); NO KEY: a conversation inserted with an
        # agent as its assignee (a foreign key's KEY SHARE) does not wait for it
        lock=select(Agent.id)
        .where(in_list(dialect, Agent.id, "ids"))
        .order_by(Agent.id)
        .with_for_update(key_share=True),
        live=select(
            Agent.id,
            Agent.presence,
            Agent.last_assigned_at,
            case((Agent.presence == "online", load), else_=None).label("open_count"),
        )
        .where(in_list(dialect, Agent.id, "ids"), Agent.active.is_(True))
        .order_by(Agent.id),
        team_agents=agent.join(agent_teams, agent_teams.c.agent_id == Agent.id)
        .where(agent_teams.c.team_id == bindparam("team"), Agent.active.is_(True))
        .order_by(Agent.id),
        teams=select(agent_teams.c.agent_id, agent_teams.c.team_id).where(
            in_list(dialect, agent_teams.c.agent_id, "ids")
        ),
        strategies=select(Team.id, Team.routing_strategy),
        strategy=select(Team.routing_strategy).where(Team.id == bindparam("team")),
    )


def agent_router(session: Session) -> Router:
    """A router over every active agent's presence and load, for one batch of decisions."""
    return Router(agent_states(session).values())


def choose(router: Router, conv: Conversation, strategy: str, now_ts: float) -> RoutingDecision:
    """Decide; the router counts the assignment so the next decision in the batch sees it."""
    return router.route(RoutingRequest(conv.team_id, conv.language, conv.channel), strategy, now_ts)


class BatchRouter:
    """Routing for one batch (an ingest batch, a re-routing sweep) that reads only the agents of
    the teams it routes to, when it first routes to each: a webhook delivery routes one
    conversation to one team, and reading every agent of the workspace (200 here, with their
    languages' JSON and their load) was most of what a one-message batch cost on a year of data.
    One `Router` holds them all, so an agent of two teams is counted once across the batch.
    Each team's agents are locked as they are read (`agent_states(lock=True)`): agents in id
    order within a team, teams in the order the batch first routes to them. Two batches that
    route to the same two teams in opposite orders could deadlock; PostgreSQL ends one and
    `retry_conflicts` runs it again (a webhook's batch routes to one team)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.router = Router(())
        self._teams: set[int | None] = set()
        self._strategies: dict[int, str] = {}  # one settings-cache look-up per team and batch

    def choose(self, conv: Conversation, now_ts: float) -> RoutingDecision:
        """Route `conv` to an online agent of its team (any agent when it has none) or say why not."""
        team = conv.team_id
        if team not in self._teams and None not in self._teams:
            fresh = agent_states(self.session, team, lock=True)
            self.router.add(a for a in fresh.values() if a.id not in self.router.agents)
            self._teams.add(team)
        strategy = "round_robin" if team is None else self._strategies.get(team)
        if strategy is None:
            strategy = self._strategies[team] = team_strategy(self.session, team)
        return choose(self.router, conv, strategy, now_ts)
