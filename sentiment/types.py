"""Values the sentiment leaf returns: plain, frozen, JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Score:
    """One comparable sentiment reading for a text, whatever its language.

    `compound` is in [-1, 1] and means the same thing in every language;
    `reasons` are the words or features that moved it, for agents to read.
    """

    compound: float
    label: str  # "positive" | "neutral" | "negative"
    language: str
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RankFacts:
    """What the ranker may know about a conversation; every field has a safe default."""

    compound: float = 0.0
    followers: int = 0
    verified: bool = False
    vip: bool = False
    clv: float = 0.0
    lifecycle_stage: str = "awareness"
    urgency_terms: tuple[str, ...] = ()
    waiting_minutes: float = 0.0
    sla_minutes: float = 60.0
    public: bool = True
    repeat_contacts: int = 0


class Component(NamedTuple):
    """One named, weighted part of a priority, with the evidence behind it.

    A named tuple rather than a frozen dataclass: seven are made for every ranked message,
    and a tuple is built in less than half the time, immutable all the same.
    """

    name: str
    weight: float
    value: float
    detail: str = ""

    @property
    def contribution(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True)
class Priority:
    """A priority and the named parts it is made of, so the inbox can say why."""

    value: float
    components: tuple[Component, ...] = field(default_factory=tuple)
    # For keeping the rank current as waiting grows (see sentiment.rank): the static part of
    # `value`; the value once waiting is full; the curve (points per second squared) and the
    # seconds until then: value later, after dt seconds, = ceiling - curve * max(0, settles_in - dt)**2.
    base: float = 0.0
    ceiling: float = 0.0
    curve: float = 0.0
    settles_in: float = 0.0

    def why(self) -> tuple[str, ...]:
        """Components that contribute, largest first, as short lines for the inbox."""
        parts = sorted((c for c in self.components if c.contribution > 0), key=lambda c: -c.contribution)
        return tuple(f"{c.name} +{c.contribution:.1f} ({c.detail})" for c in parts)
