"""Priority rank: a weighted sum of named components, each in [0, 1], plus waiting.

value = sum(weight_c * value_c for the static components) + waiting term.

How the inbox keeps the rank current without rescoring on every tick
---------------------------------------------------------------------
Waiting is the only component that changes with time, and it is linear in
time: waiting contributes `weights["waiting"] * minutes_waited / sla_minutes`
(no cap: a breached SLA keeps climbing, which is the point). So

    priority(now) = base + rate * (now - waiting_since)
    with rate = weights["waiting"] / (sla_minutes * 60)   (per second)

and ordering by priority(now) is the same as ordering by the static key

    sort_key = base - rate * waiting_since            (`sort_key(...)`)

only when every conversation shares the same rate. Rates differ when SLAs
differ, so the inbox stores three columns when it (re)ranks a conversation —
on a new message, a status change or a rule change, never on a clock tick:

    priority_base   = Priority.base        (float, static components)
    priority_rate   = Priority.rate        (float, per second)
    waiting_since   = epoch seconds of the oldest unanswered inbound message

and sorts with `ORDER BY priority_base + priority_rate * (:now - waiting_since) DESC`
(SQLite and PostgreSQL both evaluate that per row; it is cheap next to the scan).
`effective_priority(base, rate, waiting_since, now)` is the same formula in
Python for display. When nobody is waiting (an agent replied), store rate 0.
`Priority.value` is the value at the moment of ranking (facts.waiting_minutes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sentiment.types import Component, Priority, RankFacts

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "negativity": 30.0,
    "reach": 15.0,
    "customer_value": 20.0,
    "urgency": 15.0,
    "waiting": 10.0,  # per full SLA period waited
    "visibility": 5.0,
    "repeat_contact": 5.0,
}
LIFECYCLE_VALUE: Mapping[str, float] = {
    "awareness": 0.0,
    "lead": 0.1,
    "prospect": 0.1,
    "new": 0.2,
    "customer": 0.4,
    "active": 0.4,
    "repeat": 0.6,
    "loyal": 0.7,
    "advocate": 0.7,
    "at_risk": 0.8,
    "at-risk": 0.8,
    "churn_risk": 0.8,
    "churned": 0.3,
}


_DEFAULTS = dict(DEFAULT_WEIGHTS)


def _weights(weights: Mapping[str, float] | None) -> Mapping[str, float]:
    if not weights:
        return _DEFAULTS  # read-only here: nothing below writes to the mapping
    merged = dict(DEFAULT_WEIGHTS)
    if weights:
        for key, value in weights.items():
            if key in merged and isinstance(value, int | float) and math.isfinite(value):
                merged[key] = float(value)
    return merged


def _finite(value: object, default: float = 0.0) -> float:
    """`value` as a finite float, else `default`: facts may carry None, text or NaN."""
    if isinstance(value, float):  # the usual case, without the conversions below
        return value if value - value == 0.0 else default
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


def waiting_rate(sla_minutes: float, weights: Mapping[str, float] | None = None) -> float:
    """Priority points gained per second of waiting, for this SLA and weights."""
    sla = max(1.0, _finite(sla_minutes, 60.0))
    return _weights(weights)["waiting"] / (sla * 60.0)


def effective_priority(base: float, rate: float, waiting_since: float | None, now: float) -> float:
    """Priority at `now` (epoch seconds) from the stored base, rate and waiting_since."""
    if waiting_since is None:
        return base
    return base + rate * max(0.0, now - waiting_since)


def sort_key(base: float, rate: float, waiting_since: float | None) -> float:
    """A static key for conversations sharing one rate: ordering by it equals ordering by priority(now)."""
    if waiting_since is None:
        return base
    return base - rate * waiting_since


def rank(facts: RankFacts, weights: Mapping[str, float] | None = None) -> Priority:
    """Rank a conversation; every component is named, weighted and explained.

    This runs once per ingested message, so the components are built as plain tuples
    (`tuple.__new__`) and their contributions summed from the local values, in the order
    they are listed (the same float sum as adding `Component.contribution`s)."""
    f: Any = facts  # fields read untyped: facts may carry junk, which `_finite` and friends absorb
    w = _weights(weights) if weights else _DEFAULTS
    compound = max(-1.0, min(1.0, _finite(f.compound)))
    followers = max(0.0, _finite(f.followers))
    reach = min(1.0, math.log10(1.0 + followers) / 6.0)  # 1M followers saturates
    verified = f.verified
    if verified:
        reach = min(1.0, reach + 0.25)
    clv = max(0.0, _finite(f.clv))
    stage_name = f.lifecycle_stage
    stage = LIFECYCLE_VALUE.get((stage_name or "").lower(), 0.0)
    vip = f.vip
    value = max(1.0 if vip else 0.0, min(1.0, math.log10(1.0 + clv) / 4.0), stage)  # CLV 10k saturates
    terms = tuple(dict.fromkeys(f.urgency_terms)) if f.urgency_terms else ()
    urgency = min(1.0, len(terms) / 3.0)
    sla = max(1.0, _finite(f.sla_minutes, 60.0))
    waited = max(0.0, _finite(f.waiting_minutes))
    repeats = max(0, int(_finite(f.repeat_contacts)))
    public = f.public
    w_neg, w_reach, w_value, w_urgency, w_wait, w_vis, w_repeat = (
        w["negativity"],
        w["reach"],
        w["customer_value"],
        w["urgency"],
        w["waiting"],
        w["visibility"],
        w["repeat_contact"],
    )
    negativity = max(0.0, -compound)
    waiting = waited / sla
    visibility = 1.0 if public else 0.0
    repeat = min(1.0, repeats / 3.0)
    new = tuple.__new__  # a Component without the named tuple's Python-level __new__
    parts = (
        new(Component, ("negativity", w_neg, negativity, "sentiment %+.2f" % compound)),  # noqa: UP031
        new(
            Component,
            ("reach", w_reach, reach, f"{int(followers):,} followers" + (", verified" if verified else "")),
        ),
        new(
            Component,
            (
                "customer_value",
                w_value,
                value,
                ("VIP, " if vip else "") + f"CLV {clv:,.0f}, stage {stage_name}",
            ),
        ),
        new(Component, ("urgency", w_urgency, urgency, ", ".join(terms) or "no urgency terms")),
        new(Component, ("waiting", w_wait, waiting, "waiting %.0f min of %.0f min SLA" % (waited, sla))),  # noqa: UP031
        new(Component, ("visibility", w_vis, visibility, "public" if public else "private")),
        new(Component, ("repeat_contact", w_repeat, repeat, f"{repeats} earlier contacts")),
    )
    static = (w_neg * negativity, w_reach * reach, w_value * value, w_urgency * urgency)
    waiting_part = w_wait * waiting
    total = sum((*static, waiting_part, w_vis * visibility, w_repeat * repeat))
    base = total - waiting_part
    return Priority(round(total, 3), parts, base=round(base, 6), rate=w_wait / (sla * 60.0))
