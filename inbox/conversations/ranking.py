"""From stored facts to the sentiment leaf's `rank`, and back to columns the inbox sorts by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sentiment
from inbox.store.models import Conversation, Customer, Identity
from sentiment.types import Priority, RankFacts


def urgency_terms(text: str, language: str) -> tuple[str, ...]:
    cues = getattr(sentiment, "urgency_cues", None)
    return tuple(cues(text, language)) if cues is not None else ()


def rank_conversation(
    conv: Conversation,
    customer: Customer | None,
    author: Identity | None,
    compound: float,
    urgency: tuple[str, ...],
    repeat_contacts: int,
    now: datetime,
    sla_minutes: float = 60.0,
    weights: dict[str, float] | None = None,
) -> Priority:
    waiting = (now - conv.waiting_since).total_seconds() / 60 if conv.waiting_since else 0.0
    facts = RankFacts(
        compound=compound,
        followers=author.followers if author else 0,
        verified=author.verified if author else False,
        vip=customer.vip if customer else False,
        clv=customer.clv if customer else 0.0,
        lifecycle_stage=customer.lifecycle_stage if customer else "awareness",
        urgency_terms=urgency,
        waiting_minutes=max(0.0, waiting),
        sla_minutes=sla_minutes,
        public=conv.public,
        repeat_contacts=repeat_contacts,
    )
    return sentiment.rank(facts, weights) if weights else sentiment.rank(facts)


def components_json(priority: Priority) -> list[dict[str, Any]]:
    # Unpacked as tuples: a Component's fields by position, its contribution as weight * value.
    return [
        {
            "name": name,
            "weight": weight,
            "value": value,
            "detail": detail,
            "contribution": round(weight * value, 3),
        }
        for name, weight, value, detail in priority.components
    ]


def store_priority(conv: Conversation, priority: Priority, now: datetime, floor: float | None = None) -> None:
    """Save the rank so that sorting by `anchor + rate * now` stays right as time passes.

    `floor` (from a rule's set_priority) lifts the static part so the value now is at least the floor.
    """
    base, rate = priority.base or priority.value, priority.rate
    if conv.waiting_since is None:
        rate = 0.0
    since = conv.waiting_since.timestamp() if conv.waiting_since else now.timestamp()
    current = base + rate * (now.timestamp() - since)
    if floor is not None and floor > current:
        base += floor - current
        current = floor
    conv.priority_base, conv.priority_rate = base, rate
    conv.priority_anchor = base - rate * since
    conv.priority = round(current, 3)


def stop_waiting(conv: Conversation, now: datetime) -> None:
    """An agent answered: freeze the rank at its current value (no more waiting growth)."""
    conv.priority = round(effective(conv, now), 3)
    conv.priority_base = conv.priority_anchor = conv.priority
    conv.priority_rate = 0.0


def effective(conv: Conversation, now: datetime) -> float:
    return conv.priority_anchor + conv.priority_rate * now.timestamp()


def sort_expression(now: datetime):  # type: ignore[no-untyped-def]
    return Conversation.priority_anchor + Conversation.priority_rate * now.timestamp()
