"""From stored facts to the sentiment leaf's `rank`, and back to the columns the inbox sorts by
(`rank_key`, `rank_curve`, `rank_settles_at`: see sentiment.rank for the stored form)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

import sentiment
from inbox.store.models import Conversation, Customer, Identity
from sentiment.rank import MAX_PRIORITY
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
    """Save the rank in its stored form (`rank_key`, `rank_curve`, `rank_settles_at`), from which
    `effective` reads the priority at any later time; nobody waiting means it no longer rises.

    `floor` (from a rule's set_priority) lifts it so the value now is at least the floor."""
    if conv.waiting_since is None or priority.settles_in <= 0.0:
        conv.rank_key = priority.ceiling if conv.waiting_since is not None else priority.value
        conv.rank_curve, conv.rank_settles_at = 0.0, None
    else:
        conv.rank_key, conv.rank_curve = priority.ceiling, priority.curve
        conv.rank_settles_at = now + timedelta(seconds=priority.settles_in)
    conv.priority = effective(conv, now)  # unrounded: the API and live events round it once, alike
    if floor is not None:
        raise_to(conv, floor, now)


def store_ranked(
    conv: Conversation, priority: Priority, now: datetime, floor: float | None, runs: list[dict[str, Any]]
) -> None:
    """`store_priority` plus the explanation the inbox shows: the components, and a "rule" line
    when a rule's floor (`runs`: the rule runs of this message) lifted the value above them.
    The ingest pipeline and the bulk-built year both call it, so the two cannot drift."""
    conv.priority_components = components_json(priority)
    store_priority(conv, priority, now, floor)
    if floor is not None and conv.priority <= floor + 1e-6 and floor > priority.value:
        conv.priority_components.append(
            {
                "name": "rule",
                "weight": 1.0,
                "value": floor,
                "contribution": round(floor - priority.value, 3),
                "detail": "raised by rule: " + ", ".join(r["rule_name"] for r in runs if r["actions"]),
            }
        )


def effective(conv: Conversation | Row[Any], now: datetime) -> float:
    """The priority at `now`, 0-100, from the stored form (of a Conversation or a list row)."""
    settles = conv.rank_settles_at
    return sentiment.priority_at(
        conv.rank_key, conv.rank_curve, settles.timestamp() if settles else None, now.timestamp()
    )


def raise_to(conv: Conversation, floor: float, now: datetime) -> None:
    """A rule's `set priority`: at least `floor` from now on, still rising (to at most 100)
    while the customer waits."""
    current = effective(conv, now)
    if floor <= current:
        return
    settles = conv.rank_settles_at
    left = (settles - now).total_seconds() if settles is not None else 0.0
    key = min(MAX_PRIORITY, conv.rank_key + floor - current)
    if left > 0.0 and key > floor:
        conv.rank_key, conv.rank_curve = key, (key - floor) / (left * left)
    else:  # settled, or lifted to the top: it stays at the floor
        conv.rank_key, conv.rank_curve, conv.rank_settles_at = floor, 0.0, None
    conv.priority = round(floor, 3)


def shift(conv: Conversation, delta: float, now: datetime) -> None:
    """Move the rank by `delta` points (a corrected component), kept within 0-100."""
    conv.rank_key = min(MAX_PRIORITY, max(0.0, conv.rank_key + delta))
    conv.priority = effective(conv, now)  # unrounded: the API and live events round it once, alike


def stop_waiting(conv: Conversation, now: datetime) -> None:
    """An agent answered: the rank keeps its current value and stops rising."""
    conv.rank_key = effective(conv, now)
    conv.rank_curve, conv.rank_settles_at = 0.0, None
    conv.priority = conv.rank_key
