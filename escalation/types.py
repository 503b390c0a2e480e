"""Values the escalation leaf takes and returns.

Rules are stored as JSON-shaped data; facts are a flat mapping of dotted names
(`message.sentiment`, `author.followers`, `customer.vip`, ...) to plain values.
The vocabulary of those names lives in `escalation.fields.FIELDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# "mention.created": a listening stream found a post (not work until a rule or a person promotes it)
TRIGGERS = ("message.created", "conversation.updated", "time.passed", "mention.created")


@dataclass(frozen=True)
class Condition:
    """`field op value`, e.g. `message.sentiment lt -0.5`; see `escalation.fields.FIELDS`."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Action:
    """What a rule asks the inbox to do; `type` is a key of `escalation.actions.ACTIONS`."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:  # params is a dict; hash by its items so Rules stay hashable
        return hash((self.type, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


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
    """A condition that held, with the value seen, so a firing can be explained.

    `previous` is the value before the change, filled for `changed_to` conditions.
    """

    condition: Condition
    seen: Any
    previous: Any = None


@dataclass(frozen=True)
class Firing:
    """One rule that fired on one set of facts: why, and what it asks to be done."""

    rule_id: int | None
    rule_name: str
    matched: tuple[Matched, ...]
    actions: tuple[Action, ...]
    trigger: str = ""


@dataclass(frozen=True)
class AgentState:
    """What routing needs to know about an agent right now.

    `languages` / `channels` empty means "no restriction" (handles any).
    `last_assigned_at` may be epoch seconds, a datetime, or None (never assigned).
    `connected` / `last_seen` are optional presence inputs for
    `escalation.presence.conversations_to_reroute`; when absent, `presence` is trusted.
    """

    id: int
    presence: str  # "online" | "away" | "offline"
    capacity: int = 10
    open_count: int = 0
    teams: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    last_assigned_at: float | datetime | None = 0.0
    connected: bool | None = None
    last_seen: float | datetime | None = None


@dataclass(frozen=True)
class RoutingRequest:
    team_id: int | None
    language: str | None = None
    channel: str | None = None
    conversation_id: int | None = None
    exclude_agent_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RoutingDecision:
    """An assignee, or None with the reason the conversation waits in its queue.

    `queue` names the queue a waiting conversation sits in ("team:2" or "unassigned").
    `candidates` are the eligible agents the strategy chose among, for explanation.
    """

    agent_id: int | None
    reason: str
    queue: str | None = None
    candidates: tuple[int, ...] = ()
    assigned_at: float | datetime | None = None
