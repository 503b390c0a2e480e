"""The rank's arithmetic pinned down: exact components, the 0-100 bound, and the stored form.

Each table row gives the facts and the expected (value, detail) of every component it moves,
so a changed sign, weight, cap or explanation fails a row (issue 24's surviving mutants:
`max(0, +compound)`, `max(1.0, ...)`, `_finite` losing every non-zero score, `base` with the
waiting part added, private ranked like public).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment import DEFAULT_WEIGHTS, WAIT_FULL_AFTER_SLAS, RankFacts, priority_at, rank, score, urgency_cues

HORIZON = WAIT_FULL_AFTER_SLAS * 60 * 60.0  # seconds until waiting is full with a 60-minute SLA
DEFAULT_DETAILS = {
    "negativity": (0.0, "sentiment +0.00"),
    "reach": (0.0, "0 followers"),
    "customer_value": (0.0, "CLV 0, stage awareness"),
    "urgency": (0.0, "no urgency terms"),
    "waiting": (0.0, "waiting 0 min of 60 min SLA, full weight at 180 min"),
    "visibility": (1.0, "public"),
    "repeat_contact": (0.0, "0 earlier contacts"),
}

# (id, facts, components that differ from DEFAULT_DETAILS, expected value, settles_in seconds)
ROWS = [
    ("defaults", RankFacts(), {}, 5.0, HORIZON),
    (
        "negative, private",
        RankFacts(compound=-0.6, public=False),
        {"negativity": (0.6, "sentiment -0.60"), "visibility": (0.0, "private")},
        15.0,
        HORIZON,
    ),
    (
        "positive gains no negativity",
        RankFacts(compound=0.6),
        {"negativity": (0.0, "sentiment +0.60")},
        5.0,
        HORIZON,
    ),
    ("compound clipped", RankFacts(compound=-3.0), {"negativity": (1.0, "sentiment -1.00")}, 30.0, HORIZON),
    ("1,000 followers", RankFacts(followers=999), {"reach": (0.5, "999 followers")}, 10.0, HORIZON),
    ("verified", RankFacts(verified=True), {"reach": (0.25, "0 followers, verified")}, 7.5, HORIZON),
    (
        "million followers, verified, capped",
        RankFacts(followers=999_999, verified=True),
        {"reach": (1.0, "999,999 followers, verified")},
        15.0,
        HORIZON,
    ),
    ("CLV 99", RankFacts(clv=99), {"customer_value": (0.5, "CLV 99, stage awareness")}, 15.0, HORIZON),
    (
        "loyal stage",
        RankFacts(lifecycle_stage="Loyal"),
        {"customer_value": (0.7, "CLV 0, stage Loyal")},
        19.0,
        HORIZON,
    ),
    (
        "VIP",
        RankFacts(vip=True, clv=5000, lifecycle_stage="loyal"),
        {"customer_value": (1.0, "VIP, CLV 5,000, stage loyal")},
        25.0,
        HORIZON,
    ),
    (
        "urgency terms counted once",
        RankFacts(urgency_terms=("refund", "now", "refund")),
        {"urgency": (2 / 3, "refund, now")},
        5.0 + 20 / 3,
        HORIZON,
    ),
    (
        "one repeat contact",
        RankFacts(repeat_contacts=1),
        {"repeat_contact": (1 / 3, "1 earlier contacts")},
        5.0 + 5 / 3,
        HORIZON,
    ),
    (
        "repeats capped",
        RankFacts(repeat_contacts=6),
        {"repeat_contact": (1.0, "6 earlier contacts")},
        10.0,
        HORIZON,
    ),
    (
        "half the horizon waited",
        RankFacts(waiting_minutes=90),
        {"waiting": (0.75, "waiting 90 min of 60 min SLA, full weight at 180 min")},
        23.75,
        HORIZON / 2,
    ),
    (
        "a third of a 30-minute SLA's horizon",
        RankFacts(waiting_minutes=30, sla_minutes=30),
        {"waiting": (5 / 9, "waiting 30 min of 30 min SLA, full weight at 90 min")},
        5.0 + 25 * 5 / 9,
        WAIT_FULL_AFTER_SLAS * 30 * 60 * 2 / 3,
    ),
    (
        "waiting full at three SLAs",
        RankFacts(waiting_minutes=180),
        {"waiting": (1.0, "waiting 180 min of 60 min SLA, full weight at 180 min")},
        30.0,
        0.0,
    ),
    (
        "277 days waited (was 66,624)",
        RankFacts(waiting_minutes=399_614),
        {"waiting": (1.0, "waiting 399614 min of 60 min SLA, full weight at 180 min")},
        30.0,
        0.0,
    ),
    (
        "compound above +1 clipped to +1",
        RankFacts(compound=3.0),
        {"negativity": (0.0, "sentiment +1.00")},
        5.0,
        HORIZON,
    ),
    (
        "unknown stage is worth nothing",
        RankFacts(lifecycle_stage="martian"),
        {"customer_value": (0.0, "CLV 0, stage martian")},
        5.0,
        HORIZON,
    ),
    (
        "an SLA under a minute counts as one minute",
        RankFacts(sla_minutes=0.5, waiting_minutes=1),
        {"waiting": (5 / 9, "waiting 1 min of 1 min SLA, full weight at 3 min")},
        5.0 + 25 * 5 / 9,
        120.0,
    ),
    (
        "everything at its maximum is 100",
        RankFacts(
            compound=-1.0,
            followers=10**6,
            vip=True,
            urgency_terms=("a", "b", "c"),
            waiting_minutes=10**6,
            repeat_contacts=3,
        ),
        {
            "negativity": (1.0, "sentiment -1.00"),
            "reach": (1.0, "1,000,000 followers"),
            "customer_value": (1.0, "VIP, CLV 0, stage awareness"),
            "urgency": (1.0, "a, b, c"),
            "waiting": (1.0, "waiting 1000000 min of 60 min SLA, full weight at 180 min"),
            "repeat_contact": (1.0, "3 earlier contacts"),
        },
        100.0,
        0.0,
    ),
]


@pytest.mark.parametrize(
    ("facts", "moved", "value", "settles_in"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_components_values_and_stored_form(
    facts: RankFacts, moved: dict, value: float, settles_in: float
) -> None:
    p = rank(facts)
    expected = {**DEFAULT_DETAILS, **moved}
    got = {c.name: (c.value, c.detail) for c in p.components}
    assert list(got) == list(DEFAULT_WEIGHTS)
    for name, (component_value, detail) in expected.items():
        assert got[name][0] == pytest.approx(component_value, abs=1e-9), name
        assert got[name][1] == detail, name
    assert [c.weight for c in p.components] == list(DEFAULT_WEIGHTS.values())
    assert p.value == pytest.approx(value, abs=1e-3)
    waiting_part = 25.0 * expected["waiting"][0]
    assert p.base == pytest.approx(value - waiting_part, abs=1e-9)
    assert p.ceiling == pytest.approx(min(100.0, p.base + 25.0), abs=1e-9)
    assert p.settles_in == pytest.approx(settles_in, abs=1e-6)
    horizon = WAIT_FULL_AFTER_SLAS * max(1.0, facts.sla_minutes) * 60
    assert p.curve == pytest.approx(25.0 / horizon**2, rel=1e-12)


NAN, INF = float("nan"), float("inf")
WAIT_NONE = (0.0, "waiting 0 min of 60 min SLA, full weight at 180 min")

# Facts as a caller may hand them in (NaN, infinity, text, None): each is read as the safe
# default, never raised on, and the explanation says what was used.
JUNK = [
    ("NaN compound is neutral", {"compound": NAN}, "negativity", (0.0, "sentiment +0.00")),
    ("numeric text compound is read", {"compound": "-0.5"}, "negativity", (0.5, "sentiment -0.50")),
    ("infinite wait is unknown", {"waiting_minutes": INF}, "waiting", WAIT_NONE),
    ("infinite wait as text is unknown", {"waiting_minutes": "inf"}, "waiting", WAIT_NONE),
    ("a wait that is not a number", {"waiting_minutes": "soon"}, "waiting", WAIT_NONE),
    ("no SLA means the 60-minute default", {"sla_minutes": None}, "waiting", WAIT_NONE),
    ("NaN SLA means the default", {"sla_minutes": NAN}, "waiting", WAIT_NONE),
    ("no stage", {"lifecycle_stage": None}, "customer_value", (0.0, "CLV 0, stage None")),
    ("a stage that is not text", {"lifecycle_stage": 7}, "customer_value", (0.0, "CLV 0, stage 7")),
    ("no urgency terms", {"urgency_terms": None}, "urgency", (0.0, "no urgency terms")),
    ("NaN followers", {"followers": NAN}, "reach", (0.0, "0 followers")),
    ("negative CLV", {"clv": -500.0}, "customer_value", (0.0, "CLV 0, stage awareness")),
]


@pytest.mark.parametrize(("given", "name", "expected"), [r[1:] for r in JUNK], ids=[r[0] for r in JUNK])
def test_junk_facts_read_as_safe_defaults(given: dict, name: str, expected: tuple[float, str]) -> None:
    p = rank(RankFacts(**given))
    got = {c.name: (c.value, c.detail) for c in p.components}
    assert got[name][0] == pytest.approx(expected[0], abs=1e-12) and got[name][1] == expected[1]
    assert p.value == pytest.approx(5.0 + DEFAULT_WEIGHTS[name] * expected[0], abs=1e-3)


def test_value_is_rounded_to_three_decimals_and_the_stored_form_is_not() -> None:
    p = rank(RankFacts(compound=-0.00001))  # 5 + 25 * 0.00001 = 5.00025
    assert p.value == 5.0
    assert p.base == pytest.approx(5.00025, abs=1e-12) and p.ceiling == pytest.approx(30.00025, abs=1e-12)


def test_why_lists_contributions_largest_first_with_details() -> None:
    p = rank(RankFacts(compound=-0.6, followers=999, urgency_terms=("refund",), public=False))
    assert p.why() == (
        "negativity +15.0 (sentiment -0.60)",
        "reach +5.0 (999 followers)",
        "urgency +3.3 (refund)",
    )


def test_default_weights_sum_to_100() -> None:
    assert sum(DEFAULT_WEIGHTS.values()) == 100.0


def test_weights_are_made_non_negative_and_scaled_to_100() -> None:
    angry = RankFacts(compound=-1.0, public=False)
    assert rank(angry, {"negativity": -40.0}).value == 0.0  # not minus 40
    # 125 + 10 + 20 + 10 + 25 + 5 + 5 = 200: everything halves
    doubled = rank(angry, {"negativity": 125.0})
    assert doubled.value == pytest.approx(62.5, abs=1e-3)
    assert doubled.components[0].weight == pytest.approx(62.5)
    assert rank(RankFacts(waiting_minutes=10**6), {"waiting": 0.0}).value == pytest.approx(5.0)


def test_priority_at_reads_the_stored_form() -> None:
    assert priority_at(30.0, 25.0 / HORIZON**2, 1_000.0 + HORIZON / 2, 1_000.0) == pytest.approx(23.75)
    assert priority_at(30.0, 25.0 / HORIZON**2, 1_000.0, 1_000.0) == 30.0  # settled now
    assert priority_at(30.0, 25.0 / HORIZON**2, 1_000.0, 5_000.0) == 30.0  # and for ever after
    assert priority_at(42.0, 1.0, None, 5_000.0) == 42.0  # nobody waiting
    assert priority_at(10.0, 1.0, 1_000.0, 0.0) == 0.0  # never below 0


_facts = st.builds(
    RankFacts,
    compound=st.floats(allow_nan=True, allow_infinity=True),
    followers=st.integers(min_value=-(10**12), max_value=10**12),
    verified=st.booleans(),
    vip=st.booleans(),
    clv=st.floats(allow_nan=True, allow_infinity=True),
    lifecycle_stage=st.sampled_from(["awareness", "loyal", "churn_risk", "", "ANY"]),
    urgency_terms=st.lists(st.text(max_size=5), max_size=6).map(tuple),
    waiting_minutes=st.floats(allow_nan=True, allow_infinity=True),
    sla_minutes=st.floats(allow_nan=True, allow_infinity=True),
    public=st.booleans(),
    repeat_contacts=st.integers(min_value=-(10**6), max_value=10**6),
)
_weights = st.dictionaries(
    st.sampled_from([*DEFAULT_WEIGHTS, "bogus"]), st.floats(allow_nan=True, allow_infinity=True), max_size=8
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(_facts, _weights, st.floats(min_value=0, max_value=10**9))
def test_priority_stays_within_0_and_100_for_any_inputs(
    facts: RankFacts, weights: dict, later: float
) -> None:
    p = rank(facts, weights)
    assert 0.0 <= p.value <= 100.0
    assert 0.0 <= p.ceiling <= 100.0
    assert p.value <= p.ceiling + 1e-3
    at = priority_at(p.ceiling, p.curve, 1e9 + p.settles_in, 1e9 + later)
    assert 0.0 <= at <= 100.0
    assert all(0.0 <= c.value <= 1.0 and c.weight >= 0.0 for c in p.components)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    _facts,
    st.floats(min_value=0, max_value=10**6),
    st.floats(min_value=1, max_value=10**4),
    st.floats(min_value=0, max_value=10**8),
    st.floats(min_value=0, max_value=1.7e9),
)
def test_stored_form_equals_ranking_from_scratch_at_any_later_time(
    facts: RankFacts, waited: float, sla: float, later: float, t0: float
) -> None:
    """Ranked once at t0 and read at t0 + later, or ranked again then with the longer wait: equal."""
    facts = dataclasses.replace(facts, waiting_minutes=waited, sla_minutes=sla)
    then = rank(facts)
    again = rank(dataclasses.replace(facts, waiting_minutes=waited + later / 60.0))
    stored = priority_at(then.ceiling, then.curve, t0 + then.settles_in, t0 + later)
    assert stored == pytest.approx(again.value, abs=2e-3)
    assert math.isclose(
        priority_at(then.ceiling, then.curve, t0 + then.settles_in, t0), then.value, abs_tol=2e-3
    )


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_facts, st.floats(min_value=0, max_value=10**5), st.floats(min_value=0, max_value=10**5))
def test_waiting_never_lowers_the_priority(facts: RankFacts, a: float, b: float) -> None:
    early, late = sorted((a, b))
    first = rank(dataclasses.replace(facts, waiting_minutes=early))
    second = rank(dataclasses.replace(facts, waiting_minutes=late))
    assert second.value >= first.value


def test_old_answered_email_ranks_below_a_fresh_angry_vip_mention() -> None:
    """Ranked as the inbox stores them: the old e-mail waited 300 days (its rank frozen when it was
    answered), the VIP's mention arrived a minute ago."""
    old_email = rank(
        RankFacts(
            compound=score("Where is my invoice? I asked twice already.").compound,
            lifecycle_stage="customer",
            clv=300,
            waiting_minutes=300 * 24 * 60,
            public=False,
            repeat_contacts=2,
        )
    )
    text = "This is unacceptable, still waiting for my refund!!!"
    angry_vip = rank(
        RankFacts(
            compound=score(text).compound,
            followers=20_000,
            vip=True,
            clv=5_000,
            lifecycle_stage="loyal",
            urgency_terms=urgency_cues(text, "en"),
            waiting_minutes=1,
        )
    )
    assert old_email.value <= 100.0
    assert angry_vip.value > old_email.value
