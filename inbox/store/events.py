"""Events are collected during a unit of work and published only after it commits.

The inbox does not know Socket.IO: the composition root hands it a `Publisher`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

NAMES = frozenset(
    {
        "message.created",
        "message.updated",
        "conversation.created",
        "conversation.updated",
        "conversation.assigned",
        "conversation.escalated",
        "sla.breached",
        "sla.warning",
        "agent.presence",
        "typing",
        "viewing",
        "alert.spike",
        "outbox.updated",
        "notification",
        "attachment.updated",
    }
)


class Event(NamedTuple):
    """One event for Socket.IO rooms (a named tuple: ingest makes about three per message)."""

    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]


class Publisher(Protocol):
    def publish(self, events: Iterable[Event]) -> None: ...


class NullPublisher:
    def publish(self, events: Iterable[Event]) -> None:
        for _ in events:
            pass


@dataclass
class MemoryPublisher:
    """Keeps what was published; used by tests and the benchmark's baseline."""

    events: list[Event] = field(default_factory=list)

    def publish(self, events: Iterable[Event]) -> None:
        self.events.extend(events)


def conversation_rooms(team_id: int | None, assignee_id: int | None, conversation_id: int) -> tuple[str, ...]:
    """Who should hear about a conversation: its team, its assignee, supervisors, and its viewers."""
    rooms = ["supervisors", f"conversation:{conversation_id}"]
    if team_id is not None:
        rooms.append(f"team:{team_id}")
    if assignee_id is not None:
        rooms.append(f"agent:{assignee_id}")
    return tuple(rooms)
