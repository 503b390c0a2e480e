from __future__ import annotations

import pytest

from sentiment import DEFAULT_WEIGHTS, RankFacts, effective_priority, rank, score, sort_key, urgency_cues


def test_angry_vip_with_audience_outranks_mild_complaint_from_new_account() -> None:
    angry = "Still waiting for my refund!!! Worst service ever 😡"
    mild = "The delivery was a bit slow."
    vip = RankFacts(
        compound=score(angry).compound,
        followers=250_000,
        verified=True,
        vip=True,
        clv=8_000,
        lifecycle_stage="loyal",
        urgency_terms=urgency_cues(angry, "en"),
        waiting_minutes=5,
    )
    new = RankFacts(
        compound=score(mild).compound, followers=12, lifecycle_stage="awareness", waiting_minutes=5
    )
    assert rank(vip).value > rank(new).value
    assert rank(vip).components[0].name == "negativity"


def test_components_are_named_and_sum_to_value() -> None:
    p = rank(RankFacts(compound=-0.5, followers=1000, waiting_minutes=30))
    names = [c.name for c in p.components]
    assert names == [
        "negativity",
        "reach",
        "customer_value",
        "urgency",
        "waiting",
        "visibility",
        "repeat_contact",
    ]
    assert p.value == pytest.approx(sum(c.contribution for c in p.components), abs=1e-3)
    assert p.why()


def test_long_wait_lifts_conversation_over_time() -> None:
    loud = rank(RankFacts(compound=-0.6, followers=5000, waiting_minutes=0))
    quiet = rank(RankFacts(compound=-0.1, followers=10, waiting_minutes=0))
    assert loud.value > quiet.value
    quiet_later = rank(RankFacts(compound=-0.1, followers=10, waiting_minutes=600))
    assert quiet_later.value > loud.value


def test_stored_base_and_rate_reproduce_rank_later() -> None:
    facts = RankFacts(compound=-0.3, sla_minutes=30)
    now_rank = rank(facts)
    later = rank(RankFacts(compound=-0.3, sla_minutes=30, waiting_minutes=90))
    assert effective_priority(now_rank.base, now_rank.rate, 1_000.0, 1_000.0 + 90 * 60) == pytest.approx(
        later.value
    )


def test_sort_key_orders_like_effective_priority_for_a_shared_rate() -> None:
    rate = DEFAULT_WEIGHTS["waiting"] / 3600
    convs = [(10.0, 0.0), (20.0, 5000.0), (5.0, -20000.0)]  # (base, waiting_since)
    now = 10_000.0
    by_key = sorted(convs, key=lambda c: -sort_key(c[0], rate, c[1]))
    by_now = sorted(convs, key=lambda c: -effective_priority(c[0], rate, c[1], now))
    assert by_key == by_now


def test_weights_override_per_workspace() -> None:
    facts = RankFacts(compound=0.0, vip=True)
    assert rank(facts, {"customer_value": 0.0}).value < rank(facts).value
    assert rank(facts, {"bogus": 5.0, "reach": float("nan")}).value == rank(facts).value


def test_hostile_facts_do_not_raise() -> None:
    p = rank(RankFacts(compound=float("nan"), followers=-5, sla_minutes=0, waiting_minutes=float("inf")))
    assert p.value == p.value
