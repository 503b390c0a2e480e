"""Values the escalation leaf takes and returns.

Rules are stored as JSON-shaped data; facts are a flat mapping of dotted names
(`message.sentiment`, `author.followers`, `customer.vip`, ...) to plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Action:
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: int | None
    name: str
    trigger: str  # "message.created" | "conversation.updated" | "time.passed"
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    match: str = "all"  # "all" | "any"
    enabled: bool = True
    order: int = 0


@dataclass(frozen=True)
class Matched:
    """A condition that held, with the value seen, so a firing can be explained."""

    condition: Condition
    seen: Any


@dataclass(frozen=True)
class Firing:
    """One rule that fired on one set of facts: why, and what it asks to be done."""

    rule_id: int | None
    rule_name: str
    matched: tuple[Matched, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class AgentState:
    """What routing needs to know about an agent right now."""

    id: int
    presence: str  # "online" | "away" | "offline"
    capacity: int = 10
    open_count: int = 0
    teams: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    last_assigned_at: float = 0.0


@dataclass(frozen=True)
class RoutingRequest:
    team_id: int | None
    language: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    """An assignee, or None with the reason the conversation waits in its queue."""

    agent_id: int | None
    reason: str
