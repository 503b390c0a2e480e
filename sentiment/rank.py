"""Priority rank: a weighted sum of named components, each in [0, 1], bounded to 0-100.

    priority = sum(weight_c * value_c)        every value_c in [0, 1]

The weights are made non-negative and, when they add up to more than 100, scaled down to
sum to 100 (the defaults sum to exactly 100), so the priority is always within 0-100, as
the rules vocabulary promises (`set priority 90` means something).

Waiting saturates
-----------------
Waiting is the only component that changes with time. It rises smoothly from 0 and reaches
its full weight after `WAIT_FULL_AFTER_SLAS` SLA periods, and never goes past it:

    x       = minutes_waited / (WAIT_FULL_AFTER_SLAS * sla_minutes)
    waiting = 1 - (1 - min(1, x))**2          (steepest at first, flat at the top)

A 277-day-old e-mail gets the same full waiting weight as one waiting since this morning's
SLA ran out three times over, not 66,624 points: the static components (who, how angry,
how urgent) decide between old mail and today's angry VIP.

The stored form: a ceiling, a curve and the moment waiting saturates
--------------------------------------------------------------------
From the moment of ranking t0, with `left` seconds until waiting is full and the waiting
weight W spread over `horizon` seconds, the priority at any later time t is

    priority(t) = ceiling - curve * max(0, settles_at - t)**2
    ceiling     = static part + W                 (the value it settles at)
    curve       = W / horizon**2                  (points per second squared)
    settles_at  = t0 + left

`Priority.ceiling`, `.curve` and `.settles_in` (= left) are that form; `priority_at` reads it.
The inbox stores the three per conversation and never rescans on a clock tick: a conversation
whose waiting is full (or that nobody waits on) has priority == ceiling for good, so an index
on the ceiling orders all of those exactly; the few still rising are read apart (see
`inbox.conversations.ranked_list`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sentiment.types import Component, Priority, RankFacts

# Waiting reaches its full weight after this many SLA periods (3 hours with the 60-minute default).
WAIT_FULL_AFTER_SLAS = 3.0
MAX_PRIORITY = 100.0

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "negativity": 25.0,
    "reach": 10.0,
    "customer_value": 20.0,
    "urgency": 10.0,
    "waiting": 25.0,  # at full waiting (three SLA periods and more)
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
    """The defaults overridden by the finite, non-negative values given for known names,
    scaled down to sum to 100 when they add up to more (so the priority stays within 0-100)."""
    if not weights:
        return _DEFAULTS  # read-only here: nothing below writes to the mapping
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in weights.items():
        if key in merged and isinstance(value, int | float) and math.isfinite(value):
            merged[key] = max(0.0, float(value))
    total = sum(merged.values())
    if total > MAX_PRIORITY:
        scale = MAX_PRIORITY / total
        merged = {key: value * scale for key, value in merged.items()}
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


def _bounded(value: float) -> float:
    return min(MAX_PRIORITY, max(0.0, value))


def priority_at(ceiling: float, curve: float, settles_at: float | None, now: float) -> float:
    """The priority at `now` (epoch seconds) from the stored form (see the module docstring).

    Exactly `ceiling` once waiting is full or when nobody waits (`settles_at` None)."""
    if settles_at is None or now >= settles_at:
        return ceiling
    left = settles_at - now
    return _bounded(ceiling - curve * left * left)


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
    stage = LIFECYCLE_VALUE.get(stage_name.lower() if isinstance(stage_name, str) else "", 0.0)
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
    horizon_minutes = WAIT_FULL_AFTER_SLAS * sla
    left_share = 1.0 - min(1.0, waited / horizon_minutes)  # of the horizon, still to wait
    waiting = 1.0 - left_share * left_share
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
        new(
            Component,
            (
                "waiting",
                w_wait,
                waiting,
                "waiting %.0f min of %.0f min SLA, full weight at %.0f min"  # noqa: UP031
                % (waited, sla, horizon_minutes),
            ),
        ),
        new(Component, ("visibility", w_vis, visibility, "public" if public else "private")),
        new(Component, ("repeat_contact", w_repeat, repeat, f"{repeats} earlier contacts")),
    )
    contributions = (
        w_neg * negativity,
        w_reach * reach,
        w_value * value,
        w_urgency * urgency,
        w_wait * waiting,
        w_vis * visibility,
        w_repeat * repeat,
    )
    total = _bounded(sum(contributions))
    static = sum(contributions) - contributions[4]
    horizon = horizon_minutes * 60.0
    return Priority(
        round(total, 3),
        parts,
        base=static,
        ceiling=_bounded(static + w_wait),
        curve=w_wait / (horizon * horizon),
        settles_in=left_share * horizon,
    )
