"""Lifecycle stages from a customer's events, by documented, configurable rules.

Stages, in funnel order: awareness -> engagement -> conversion -> retention ->
loyalty; plus churn_risk, which overrides any of them while its signal lasts.

Rules (`derive_stage`; defaults in `LifecycleConfig`; events after `now` are
ignored, so a replay of history gives the stage as it was):

==============  ==================================================================
stage           when
==============  ==================================================================
churn_risk      at least `negative_count` negative events (sentiment <=
                `negative_threshold`) in the last `negative_window_days`, and more
                negative than positive events in that window; any stage.
churn_risk      no event of any kind for more than `inactivity_days`, for a
                customer whose stage would otherwise be `inactivity_min_stage`
                (conversion) or later: a prospect who goes quiet is not churning.
loyalty         at least `loyalty_min_orders` orders and advocacy: a praise or
                recommendation event, or at least `advocacy_positive_count`
                positive events (sentiment >= `positive_threshold`), within
                `advocacy_window_days`.
retention       at least `retention_min_orders` orders.
conversion      at least one order.
engagement      at least `engagement_min_interactions` conversation or message
                events.
awareness       anything else, including a first mention or follow, and a known
                contact with no events at all.
==============  ==================================================================

The first matching row wins. Every decision says why in words an agent can
read, and lists the `ref`s of the events behind it so a figure can be traced
to its messages. `transitions` compares a stored stage with a new decision;
`funnel` turns stored stage entries into counts and conversion rates.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Stage(StrEnum):
    AWARENESS = "awareness"
    ENGAGEMENT = "engagement"
    CONVERSION = "conversion"
    RETENTION = "retention"
    LOYALTY = "loyalty"
    CHURN_RISK = "churn_risk"


FUNNEL: tuple[Stage, ...] = (
    Stage.AWARENESS,
    Stage.ENGAGEMENT,
    Stage.CONVERSION,
    Stage.RETENTION,
    Stage.LOYALTY,
)
_RANK = {s: i for i, s in enumerate(FUNNEL)}


class EventKind(StrEnum):
    FOLLOW = "follow"
    MENTION = "mention"
    CONVERSATION = "conversation"
    MESSAGE = "message"
    ORDER = "order"
    PRAISE = "praise"
    RECOMMENDATION = "recommendation"


@dataclass(frozen=True, slots=True)
class Event:
    """Something a customer did. `sentiment` is a compound score in [-1, 1] when known."""

    kind: EventKind
    at: datetime
    sentiment: float | None = None
    ref: str = ""


@dataclass(frozen=True)
class LifecycleConfig:
    engagement_min_interactions: int = 1
    retention_min_orders: int = 2
    loyalty_min_orders: int = 2
    advocacy_positive_count: int = 3
    advocacy_window_days: int = 365
    positive_threshold: float = 0.35
    negative_threshold: float = -0.35
    negative_count: int = 3
    negative_window_days: int = 30
    inactivity_days: int = 90
    inactivity_min_stage: Stage = Stage.CONVERSION


@dataclass(frozen=True)
class StageDecision:
    stage: Stage
    reason: str
    at: datetime
    evidence: tuple[str, ...] = ()


class TransitionKind(StrEnum):
    ADVANCE = "advance"
    REGRESS = "regress"
    CHURN_RISK = "churn_risk"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class Transition:
    from_stage: Stage | None
    to_stage: Stage
    kind: TransitionKind
    reason: str
    at: datetime
    evidence: tuple[str, ...] = ()


def _day(at: datetime) -> str:
    return at.date().isoformat()


def _refs(events: Iterable[Event]) -> tuple[str, ...]:
    return tuple(e.ref for e in events if e.ref)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _base_stage(events: list[Event], now: datetime, c: LifecycleConfig) -> tuple[Stage, str, tuple[str, ...]]:
    orders = [e for e in events if e.kind is EventKind.ORDER]
    if len(orders) >= c.loyalty_min_orders:
        since = now - timedelta(days=c.advocacy_window_days)
        recent = [e for e in events if e.at >= since]
        advocacy = [e for e in recent if e.kind in (EventKind.PRAISE, EventKind.RECOMMENDATION)]
        positive = [e for e in recent if e.sentiment is not None and e.sentiment >= c.positive_threshold]
        if advocacy or len(positive) >= c.advocacy_positive_count:
            parts = []
            if advocacy:
                parts.append(_plural(len(advocacy), "praise or recommendation"))
            if len(positive) >= c.advocacy_positive_count:
                parts.append(_plural(len(positive), "positive message"))
            reason = (
                f"{_plural(len(orders), 'order')} and advocacy in the last "
                f"{c.advocacy_window_days} days: {', '.join(parts)}"
            )
            return Stage.LOYALTY, reason, _refs(orders + advocacy + positive)
    if len(orders) >= c.retention_min_orders:
        reason = f"{_plural(len(orders), 'order')}, latest on {_day(orders[-1].at)}"
        return Stage.RETENTION, reason, _refs(orders)
    if orders:
        return Stage.CONVERSION, f"first order on {_day(orders[0].at)}", _refs(orders)
    talks = [e for e in events if e.kind in (EventKind.CONVERSATION, EventKind.MESSAGE)]
    if talks and len(talks) >= c.engagement_min_interactions:
        reason = f"{_plural(len(talks), 'conversation or message')}, latest on {_day(talks[-1].at)}"
        return Stage.ENGAGEMENT, reason, _refs(talks)
    if events:
        first = events[0]
        return Stage.AWARENESS, f"first seen by a {first.kind.value} on {_day(first.at)}", _refs([first])
    return Stage.AWARENESS, "known contact with no recorded events", ()


def derive_stage(
    events: Iterable[Event], now: datetime, config: LifecycleConfig | None = None
) -> StageDecision:
    """Decide the customer's stage at `now` by the rules in the module docstring."""
    c = config or LifecycleConfig()
    history = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    base, base_reason, base_refs = _base_stage(history, now, c)

    since = now - timedelta(days=c.negative_window_days)
    window = [e for e in history if e.at >= since and e.sentiment is not None]
    negatives = [e for e in window if e.sentiment <= c.negative_threshold]
    positives = [e for e in window if e.sentiment >= c.positive_threshold]
    if len(negatives) >= c.negative_count and len(negatives) > len(positives):
        reason = (
            f"{_plural(len(negatives), 'negative message')} in the last {c.negative_window_days} days "
            f"(vs {len(positives)} positive), latest on {_day(negatives[-1].at)}; was {base.value}"
        )
        return StageDecision(Stage.CHURN_RISK, reason, now, _refs(negatives))

    if history and _RANK[base] >= _RANK[c.inactivity_min_stage]:
        last = history[-1]
        idle = now - last.at
        if idle > timedelta(days=c.inactivity_days):
            reason = (
                f"no activity for {idle.days} days (last: {last.kind.value} on {_day(last.at)}; "
                f"limit {c.inactivity_days}); was {base.value}"
            )
            return StageDecision(Stage.CHURN_RISK, reason, now, _refs([last]))
    return StageDecision(base, base_reason, now, base_refs)


def transitions(old_stage: Stage | str | None, decision: StageDecision) -> Transition | None:
    """The transition to store when `decision` changes the stage, or None if it does not.

    `kind` says which way the customer moved: forward or back along the
    funnel, into churn risk, or recovered from it.
    """
    old = Stage(old_stage) if old_stage is not None else None
    new = decision.stage
    if old is new:
        return None
    if new is Stage.CHURN_RISK:
        kind = TransitionKind.CHURN_RISK
    elif old is Stage.CHURN_RISK:
        kind = TransitionKind.RECOVERED
    elif old is None or _RANK[new] > _RANK[old]:
        kind = TransitionKind.ADVANCE
    else:
        kind = TransitionKind.REGRESS
    return Transition(old, new, kind, decision.reason, decision.at, decision.evidence)


@dataclass(frozen=True, slots=True)
class StageEntry:
    """A stored fact: `customer_id` entered `stage` at `at` (a LifecycleTransition row)."""

    customer_id: Hashable
    stage: Stage
    at: datetime


@dataclass(frozen=True)
class FunnelStep:
    stage: Stage
    reached: int
    entered: int
    conversion: float | None  # reached / reached at the previous step; None for the first or when 0


@dataclass(frozen=True)
class FunnelReport:
    start: datetime
    end: datetime
    steps: tuple[FunnelStep, ...]
    churn_risk_entered: int
    at_end: dict[Stage, int]


def funnel(stage_history: Iterable[StageEntry], period: tuple[datetime, datetime]) -> FunnelReport:
    """Counts and conversion rates between stages for customers active in ``[start, end)``.

    The cohort is every customer with a stage entry inside the period. For
    each funnel stage, `reached` counts cohort members whose furthest stage
    by the end of the period (history before the period included) is at or
    beyond it, so a customer who jumped from awareness straight to conversion
    counts as having passed engagement; `conversion` is reached over reached
    at the previous stage, hence always in [0, 1]. `entered` is the flow: the
    cohort members who entered that exact stage during the period. Churn
    risk is not a funnel step: its entries are counted apart, and `at_end`
    gives every cohort member's stage at the end of the period.
    """
    start, end = period
    entries = sorted((e for e in stage_history if e.at < end), key=lambda e: e.at)
    cohort = {e.customer_id for e in entries if e.at >= start}
    furthest: dict[Hashable, int] = {}
    current: dict[Hashable, Stage] = {}
    entered: dict[Stage, set[Hashable]] = {s: set() for s in Stage}
    for e in entries:
        if e.customer_id not in cohort:
            continue
        stage = Stage(e.stage)
        current[e.customer_id] = stage
        if stage in _RANK:
            furthest[e.customer_id] = max(furthest.get(e.customer_id, 0), _RANK[stage])
        if e.at >= start:
            entered[stage].add(e.customer_id)
    steps = []
    previous: int | None = None
    for stage in FUNNEL:
        reached = sum(1 for rank in furthest.values() if rank >= _RANK[stage])
        conversion = reached / previous if previous else None
        steps.append(FunnelStep(stage, reached, len(entered[stage]), conversion))
        previous = reached
    at_end: dict[Stage, int] = {}
    for stage in current.values():
        at_end[stage] = at_end.get(stage, 0) + 1
    return FunnelReport(start, end, tuple(steps), len(entered[Stage.CHURN_RISK]), at_end)
