"""Presence with a grace period, and which conversations to take back from an absent agent.

An agent is online while a Socket.IO connection is open. A dropped connection
(a train tunnel, a laptop lid) keeps their chosen status for `grace_seconds`
before they count as offline, so work is not shuffled on every blip. Re-routing
touches only automatic assignments: a manual assignment is a person's decision
and is kept (and reported, so the UI can flag it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from escalation.types import AgentState


@dataclass(frozen=True)
class Assignment:
    """A conversation's current assignee; `manual` when a person chose them."""

    conversation_id: int
    agent_id: int
    manual: bool = False


@dataclass(frozen=True)
class ReroutePlan:
    """Assignments to give back to routing, and manual ones kept with an absent agent."""

    reroute: tuple[Assignment, ...] = ()
    kept_manual: tuple[Assignment, ...] = ()


def _seconds(value: float | datetime) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def presence_after_grace(
    last_seen: float | datetime | None,
    connected: bool,
    now: float | datetime,
    grace_seconds: float,
    chosen: str = "online",
) -> str:
    """The effective presence: `chosen` ("online"/"away") while connected or within the
    grace period since `last_seen`; "offline" after it, or if never seen."""
    if chosen == "offline":
        return "offline"
    if connected:
        return chosen
    if last_seen is None:
        return "offline"
    return chosen if _seconds(now) - _seconds(last_seen) <= grace_seconds else "offline"


def effective_presence(agent: AgentState, now: float | datetime, grace_seconds: float) -> str:
    """`agent.presence`, corrected by its connection facts when the caller gave them."""
    if agent.connected is None:
        return agent.presence
    return presence_after_grace(agent.last_seen, agent.connected, now, grace_seconds, agent.presence)


def conversations_to_reroute(
    agents: Iterable[AgentState],
    assignments: Iterable[Assignment | tuple[int, int, bool]],
    now: float | datetime,
    grace_seconds: float,
) -> ReroutePlan:
    """Which open conversations to hand back to routing because their agent is gone.

    Gone = offline past the grace period, or no longer in `agents` (deactivated).
    Away agents keep their work (away only stops new assignments).
    Manual assignments are never taken away; they come back in `kept_manual`.
    """
    presence = {a.id: effective_presence(a, now, grace_seconds) for a in agents}
    reroute, kept = [], []
    for raw in assignments:
        item = raw if isinstance(raw, Assignment) else Assignment(*raw)
        if presence.get(item.agent_id, "offline") != "offline":
            continue
        (kept if item.manual else reroute).append(item)
    return ReroutePlan(tuple(reroute), tuple(kept))
