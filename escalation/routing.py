"""Routing: which online agent gets a conversation, or why it waits in its queue.

Eligibility, in the order reasons are reported: in the team, online (away and
offline never get new work), handles the channel, speaks the language, has
spare capacity. An agent who lists no languages (or no channels) takes any.
Languages compare on the primary subtag, case-insensitively ("pt-BR" ~ "pt").
When nobody eligible is left the conversation waits in the team queue and the
decision's reason names the first filter that emptied the pool, e.g.
"waiting: no online agent in team 2 speaks th".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from escalation.types import AgentState, RoutingDecision, RoutingRequest

STRATEGIES = ("round_robin", "least_loaded")


@lru_cache(maxsize=1024)
def _lang(code: str | None) -> str:
    return (code or "").strip().replace("_", "-").split("-")[0].casefold()


@lru_cache(maxsize=1024)
def _primary_languages(languages: frozenset[str]) -> frozenset[str]:
    """An agent's languages as primary subtags; cached, since every routing decision asks."""
    return frozenset(_lang(x) for x in languages)


def _recency(value: Any) -> float:
    """Sort key for last_assigned_at: never assigned sorts first."""
    if value is None:
        return float("-inf")
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _speaks(agent: AgentState, language: str) -> bool:
    if not agent.languages:
        return True
    langs = agent.languages
    return language in (
        _primary_languages(langs) if isinstance(langs, frozenset) else {_lang(x) for x in langs}
    )


def _handles(agent: AgentState, channel: str) -> bool:
    return not agent.channels or channel.casefold() in _folded(agent.channels)


@lru_cache(maxsize=1024)
def _folded_set(channels: frozenset[str]) -> frozenset[str]:
    return frozenset(c.casefold() for c in channels)


def _folded(channels: Iterable[str]) -> frozenset[str]:
    """An agent's channels, case-folded; cached when they come as a frozenset (as from the inbox)."""
    return (
        _folded_set(channels)
        if isinstance(channels, frozenset)
        else frozenset(c.casefold() for c in channels)
    )


def route(
    request: RoutingRequest,
    agents: Iterable[AgentState],
    strategy: str = "round_robin",
    now: float | datetime | None = None,
) -> RoutingDecision:
    """Pick an agent for a conversation, or say why it waits.

    round_robin: least recently assigned first (ties: lowest id).
    least_loaded: fewest open conversations, then least recently assigned, then id.
    `now` is echoed as `assigned_at` so the caller stamps the agent's
    last_assigned_at with the same clock the decision used.
    """
    _check(strategy)
    agents = agents if isinstance(agents, list | tuple) else list(agents)  # read twice when nobody fits
    pool = [a for a in _static_pool(request, agents) if a.open_count < a.capacity]
    if not pool:
        return _why_waiting(request, agents)
    return _pick(request, pool, strategy, now)


class Router:
    """Routes a batch of conversations against one snapshot of the agents.

    Same decisions as calling `route` for each in turn with the agents' load updated after every
    assignment (as `route_many` does), but the filters that do not change within a batch (team,
    presence, channel, language) are applied once per kind of request: the ingest pipeline
    routes every new conversation of a batch, and most share a team, channel and language.
    """

    def __init__(self, agents: Iterable[AgentState]) -> None:
        self.agents: dict[int, AgentState] = {a.id: a for a in agents}
        self._static: dict[tuple[Any, ...], tuple[int, ...]] = {}
        # Without a clock (`now` None) assignments are ordered by a tick after every known
        # assignment, as in `route_many`, so round robin still moves on.
        self._tick = max([0.0, *(_recency(a.last_assigned_at) for a in self.agents.values())])

    def add(self, agents: Iterable[AgentState]) -> None:
        """Take in more agents (a router that reads teams as it meets them); decisions made so
        far keep their counts."""
        for a in agents:
            self.agents[a.id] = a
            self._tick = max(self._tick, _recency(a.last_assigned_at))
        self._static.clear()

    def route(
        self, request: RoutingRequest, strategy: str = "round_robin", now: float | datetime | None = None
    ) -> RoutingDecision:
        """Decide, and count the assignment (load +1, assigned at `now`) before the next one."""
        _check(strategy)
        key = (request.team_id, request.language, request.channel, request.exclude_agent_ids)
        ids = self._static.get(key)
        if ids is None:
            ids = self._static[key] = tuple(a.id for a in _static_pool(request, self.agents.values()))
        agents = self.agents
        pool = [a for a in map(agents.__getitem__, ids) if a.open_count < a.capacity]
        if not pool:
            return _why_waiting(request, list(agents.values()))
        decision = _pick(request, pool, strategy, now)
        a = agents[decision.agent_id]  # type: ignore[index]
        if now is None:
            self._tick += 1e-6
            at = self._tick
        else:
            at = _recency(now)
        agents[a.id] = AgentState(
            a.id,
            a.presence,
            a.capacity,
            a.open_count + 1,
            a.teams,
            a.languages,
            a.channels,
            at,
            a.connected,
            a.last_seen,
        )
        return decision


def _check(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown routing strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")


def _pick(
    request: RoutingRequest, pool: list[AgentState], strategy: str, now: float | datetime | None
) -> RoutingDecision:
    if strategy == "least_loaded":
        chosen = min(pool, key=lambda a: (a.open_count, _recency(a.last_assigned_at), a.id))
        why = f"least_loaded: agent {chosen.id} has {chosen.open_count} open"
    else:
        chosen = min(pool, key=lambda a: (_recency(a.last_assigned_at), a.id))
        why = f"round_robin: agent {chosen.id} was assigned least recently"
    team = request.team_id
    queue = f"team:{team}" if team is not None else "unassigned"
    return RoutingDecision(chosen.id, f"{why} ({len(pool)} eligible)", queue, tuple(a.id for a in pool), now)


def _static_pool(request: RoutingRequest, agents: Iterable[AgentState]) -> list[AgentState]:
    """The agents who pass every filter but capacity, in one pass; `_why_waiting` applies the
    filters one by one only when nobody is left, to name the one that emptied the pool."""
    team, channel, exclude = request.team_id, request.channel, request.exclude_agent_ids
    language = _lang(request.language)
    if language == "und":
        language = ""
    folded = channel.casefold() if channel else ""
    return [
        a
        for a in agents
        if a.presence == "online"
        and (team is None or team in a.teams)
        and a.id not in exclude
        and (not folded or not a.channels or folded in _folded(a.channels))
        and (not language or _speaks(a, language))
    ]


def _why_waiting(request: RoutingRequest, agents: Iterable[AgentState]) -> RoutingDecision:
    """The filters in reporting order; the first that empties the pool is the reason."""
    team = request.team_id
    where = f"in team {team}" if team is not None else "available"
    queue = f"team:{team}" if team is not None else "unassigned"

    def wait(reason: str) -> RoutingDecision:
        return RoutingDecision(None, f"waiting: {reason}", queue)

    pool = [a for a in agents if a.id not in request.exclude_agent_ids]
    if team is not None:
        pool = [a for a in pool if team in a.teams]
        if not pool:
            return wait(f"team {team} has no agents")
    pool = [a for a in pool if a.presence == "online"]
    if not pool:
        return wait(f"no agent {where} is online")
    if request.channel:
        pool = [a for a in pool if _handles(a, request.channel)]
        if not pool:
            return wait(f"no online agent {where} handles {request.channel}")
    language = _lang(request.language)
    if language and language != "und":
        pool = [a for a in pool if _speaks(a, language)]
        if not pool:
            return wait(f"no online agent {where} speaks {language}")
    return wait(f"every eligible online agent {where} is at capacity")


def route_many(
    requests: Sequence[RoutingRequest],
    agents: Iterable[AgentState],
    strategy: str = "round_robin",
    now: float | datetime | None = None,
) -> list[RoutingDecision]:
    """Route a batch (e.g. re-routing an agent's conversations), counting each
    assignment before the next so one batch does not pile onto one agent."""
    state = {a.id: a for a in agents}
    decisions = []
    tick = max((_recency(a.last_assigned_at) for a in state.values()), default=0.0)
    tick = max(tick, 0.0)
    for request in requests:
        decision = route(request, state.values(), strategy, now)
        if decision.agent_id is not None:
            tick += 1e-6
            agent = state[decision.agent_id]
            state[agent.id] = replace(agent, open_count=agent.open_count + 1, last_assigned_at=tick)
        decisions.append(decision)
    return decisions
