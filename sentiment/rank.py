"""First priority rank: a weighted sum of named components."""

from __future__ import annotations

import math

from sentiment.types import Component, Priority, RankFacts


def rank(facts: RankFacts) -> Priority:
    """Rank a conversation; components explain the value."""
    parts = (
        Component("negativity", 40.0, max(0.0, -facts.compound), f"sentiment {facts.compound:+.2f}"),
        Component("reach", 20.0, min(1.0, math.log10(1 + facts.followers) / 6), f"{facts.followers} followers"),
        Component("customer_value", 20.0, 1.0 if facts.vip else 0.0, "VIP" if facts.vip else ""),
        Component("waiting", 20.0, min(1.0, facts.waiting_minutes / max(facts.sla_minutes, 1)), ""),
    )
    return Priority(round(sum(p.contribution for p in parts), 3), parts)
