"""First router: round robin among online agents of the team with spare capacity."""

from __future__ import annotations

from collections.abc import Iterable

from escalation.types import AgentState, RoutingDecision, RoutingRequest


def route(
    request: RoutingRequest, agents: Iterable[AgentState], strategy: str = "round_robin"
) -> RoutingDecision:
    """Pick an agent for a conversation, or say why it waits."""
    pool = [
        a
        for a in agents
        if a.presence == "online"
        and a.open_count < a.capacity
        and (request.team_id is None or request.team_id in a.teams)
    ]
    if not pool:
        return RoutingDecision(None, "no online agent with capacity in the team")
    if strategy == "least_loaded":
        chosen = min(pool, key=lambda a: (a.open_count, a.last_assigned_at, a.id))
    else:
        chosen = min(pool, key=lambda a: (a.last_assigned_at, a.id))
    return RoutingDecision(chosen.id, f"{strategy}: agent {chosen.id}")
