from __future__ import annotations

import pytest

from sentiment import RankFacts, rank, score, urgency_cues


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


def test_weights_override_per_workspace() -> None:
    facts = RankFacts(compound=0.0, vip=True)
    assert rank(facts, {"customer_value": 0.0}).value < rank(facts).value
    assert rank(facts, {"bogus": 5.0, "reach": float("nan")}).value == rank(facts).value


def test_hostile_facts_do_not_raise() -> None:
    p = rank(RankFacts(compound=float("nan"), followers=-5, sla_minutes=0, waiting_minutes=float("inf")))
    assert p.value == p.value
