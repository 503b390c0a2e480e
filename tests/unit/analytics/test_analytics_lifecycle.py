from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.insights.analytics.lifecycle import (
    Event,
    EventKind,
    LifecycleConfig,
    Stage,
    StageDecision,
    StageEntry,
    TransitionKind,
    derive_stage,
    funnel,
    transitions,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def ev(kind: str, days_ago: float, sentiment: float | None = None, ref: str = "") -> Event:
    return Event(EventKind(kind), NOW - timedelta(days=days_ago), sentiment, ref)


def test_no_events_is_awareness_with_a_reason() -> None:
    d = derive_stage([], NOW)
    assert d.stage is Stage.AWARENESS
    assert "no recorded events" in d.reason


def test_first_follow_or_mention_is_awareness() -> None:
    d = derive_stage([ev("follow", 3, ref="f1"), ev("mention", 1)], NOW)
    assert d.stage is Stage.AWARENESS
    assert "follow" in d.reason and d.evidence == ("f1",)


def test_conversation_is_engagement() -> None:
    d = derive_stage([ev("mention", 10), ev("conversation", 2, ref="c1")], NOW)
    assert d.stage is Stage.ENGAGEMENT
    assert "1 conversation or message" in d.reason
    strict = LifecycleConfig(engagement_min_interactions=2)
    assert derive_stage([ev("conversation", 2)], NOW, strict).stage is Stage.AWARENESS


def test_orders_drive_conversion_and_retention() -> None:
    assert derive_stage([ev("order", 5)], NOW).stage is Stage.CONVERSION
    d = derive_stage([ev("order", 50), ev("order", 5, ref="o2")], NOW)
    assert d.stage is Stage.RETENTION
    assert "2 orders" in d.reason and "o2" in d.evidence


def test_loyalty_needs_repeat_orders_and_advocacy() -> None:
    two_orders = [ev("order", 60), ev("order", 20)]
    assert derive_stage([*two_orders, ev("praise", 10)], NOW).stage is Stage.LOYALTY
    positives = [ev("message", d, 0.8) for d in (3, 4, 5)]
    d = derive_stage(two_orders + positives, NOW)
    assert d.stage is Stage.LOYALTY and "3 positive messages" in d.reason
    # Advocacy without repeat orders is not loyalty.
    assert derive_stage([ev("order", 20), ev("recommendation", 1)], NOW).stage is Stage.CONVERSION
    # Two positive messages are not enough by default.
    assert derive_stage(two_orders + positives[:2], NOW).stage is Stage.RETENTION


def test_repeated_negative_sentiment_is_churn_risk_from_any_stage() -> None:
    negatives = [ev("message", d, -0.7, ref=f"m{d}") for d in (1, 2, 3)]
    d = derive_stage([ev("order", 50), ev("order", 40), *negatives], NOW)
    assert d.stage is Stage.CHURN_RISK
    assert "3 negative messages in the last 30 days" in d.reason and "was retention" in d.reason
    assert set(d.evidence) == {"m1", "m2", "m3"}
    # Balanced by as many positives, or outside the window, it is not.
    positives = [ev("message", d, 0.6) for d in (1, 2, 3)]
    assert derive_stage(negatives + positives, NOW).stage is Stage.ENGAGEMENT
    old = [ev("message", d, -0.7) for d in (40, 41, 42)]
    assert derive_stage(old, NOW, LifecycleConfig(inactivity_days=365)).stage is Stage.ENGAGEMENT


def test_inactivity_is_churn_risk_only_after_conversion() -> None:
    d = derive_stage([ev("order", 200), ev("order", 120)], NOW)
    assert d.stage is Stage.CHURN_RISK
    assert "no activity for 120 days" in d.reason and "limit 90" in d.reason
    assert derive_stage([ev("conversation", 200)], NOW).stage is Stage.ENGAGEMENT
    assert (
        derive_stage([ev("order", 120)], NOW, LifecycleConfig(inactivity_days=180)).stage is Stage.CONVERSION
    )


def test_future_events_are_ignored() -> None:
    assert derive_stage([ev("order", -1)], NOW).stage is Stage.AWARENESS


def decision(stage: Stage) -> StageDecision:
    return StageDecision(stage, "because", NOW)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (None, Stage.AWARENESS, TransitionKind.ADVANCE),
        (Stage.ENGAGEMENT, Stage.RETENTION, TransitionKind.ADVANCE),
        (Stage.LOYALTY, Stage.RETENTION, TransitionKind.REGRESS),
        (Stage.LOYALTY, Stage.CHURN_RISK, TransitionKind.CHURN_RISK),
        ("churn_risk", Stage.RETENTION, TransitionKind.RECOVERED),
    ],
)
def test_transitions(old: Stage | str | None, new: Stage, kind: TransitionKind) -> None:
    t = transitions(old, decision(new))
    assert t is not None and t.kind is kind and t.to_stage is new and t.reason == "because"


def test_no_transition_when_unchanged() -> None:
    assert transitions("retention", decision(Stage.RETENTION)) is None


def test_funnel_counts_and_conversion() -> None:
    start, end = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
    before, inside = datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 5, 10, tzinfo=UTC)
    history = [
        StageEntry("a", Stage.AWARENESS, inside),
        StageEntry("b", Stage.AWARENESS, inside),
        StageEntry("b", Stage.ENGAGEMENT, inside + timedelta(days=1)),
        StageEntry("c", Stage.AWARENESS, inside),
        StageEntry("c", Stage.CONVERSION, inside + timedelta(days=2)),  # skipped engagement
        StageEntry("d", Stage.RETENTION, before),  # progress before the period counts for reach
        StageEntry("d", Stage.CHURN_RISK, inside),
        StageEntry("e", Stage.LOYALTY, before),  # not active in the period: not in the cohort
        StageEntry("f", Stage.AWARENESS, end),  # after the period
    ]
    report = funnel(history, (start, end))
    reached = {s.stage: s.reached for s in report.steps}
    assert reached == {
        Stage.AWARENESS: 4,
        Stage.ENGAGEMENT: 3,
        Stage.CONVERSION: 2,
        Stage.RETENTION: 1,
        Stage.LOYALTY: 0,
    }
    entered = {s.stage: s.entered for s in report.steps}
    assert entered[Stage.AWARENESS] == 3 and entered[Stage.CONVERSION] == 1 and entered[Stage.RETENTION] == 0
    conversion = [s.conversion for s in report.steps]
    assert conversion[0] is None
    assert conversion[1:] == pytest.approx([3 / 4, 2 / 3, 1 / 2, 0.0])
    assert report.churn_risk_entered == 1
    assert report.at_end == {
        Stage.AWARENESS: 1,
        Stage.ENGAGEMENT: 1,
        Stage.CONVERSION: 1,
        Stage.CHURN_RISK: 1,
    }


def test_empty_funnel() -> None:
    report = funnel([], (NOW - timedelta(days=7), NOW))
    assert all(s.reached == 0 and s.conversion is None for s in report.steps)
