from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.analytics.rfm import Rfm, Segment, quintile_scores, rfm_scores, segment
from inbox.insights.analytics.types import Order

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def orders(*spec: tuple[int, str]) -> list[Order]:
    """(days ago, amount) pairs."""
    return [Order(Decimal(a), NOW - timedelta(days=d)) for d, a in spec]


def test_distinct_values_make_exact_quintiles() -> None:
    assert quintile_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
    assert quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([10, 20, 30, 40, 50], higher_is_better=False) == [5, 4, 3, 2, 1]


def test_small_populations() -> None:
    assert quintile_scores([]) == []
    assert quintile_scores([42]) == [3]
    assert quintile_scores([1, 2]) == [1, 5]
    assert quintile_scores([1, 2, 3]) == [1, 3, 5]


def test_ties_share_the_mid_rank_score() -> None:
    assert quintile_scores([7, 7, 7, 7]) == [3, 3, 3, 3]
    # Eight one-time buyers and two frequent ones: the tie sits mid-way through its group.
    scores = quintile_scores([1] * 8 + [5, 9])
    assert set(scores[:8]) == {2}
    assert scores[8:] == [5, 5]


def test_rfm_scores_measures_and_scores() -> None:
    data = {
        "champ": orders((1, "500"), (10, "300"), (20, "300"), (40, "200")),
        "lapsed": orders((400, "50"), (500, "60")),
        "newbie": orders((2, "20")),
        "nobody": [],
    }
    result = rfm_scores(data, NOW)
    assert set(result) == {"champ", "lapsed", "newbie"}
    champ = result["champ"]
    assert champ.frequency == 4 and champ.monetary == Decimal("1300")
    assert champ.recency_days == 1.0
    assert (champ.r, champ.f, champ.m) == (5, 5, 5)
    assert result["lapsed"].r == 1
    assert result["newbie"].r == 3 and result["newbie"].f == 1


def test_future_orders_count_as_today() -> None:
    result = rfm_scores({"a": orders((-2, "10"))}, NOW)
    assert result["a"].recency_days == 0.0


def rfm(r: int, f: int, m: int, frequency: int = 3) -> Rfm:
    return Rfm(10.0, frequency, Decimal(100), r, f, m)


def test_segment_table() -> None:
    assert segment(rfm(5, 5, 5)) is Segment.CHAMPIONS
    assert segment(rfm(3, 5, 1)) is Segment.LOYAL
    assert segment(rfm(5, 2, 2, frequency=1)) is Segment.NEW
    assert segment(rfm(4, 3, 2)) is Segment.POTENTIAL_LOYALIST
    assert segment(rfm(3, 1, 1, frequency=1)) is Segment.POTENTIAL_LOYALIST
    assert segment(rfm(2, 4, 1)) is Segment.AT_RISK
    assert segment(rfm(1, 1, 5)) is Segment.AT_RISK
    assert segment(rfm(2, 1, 2)) is Segment.HIBERNATING
    assert segment(rfm(1, 2, 3)) is Segment.LOST
    assert Segment.AT_RISK == "at_risk"


amounts = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
customer_orders = st.lists(st.tuples(st.integers(0, 2000), amounts), max_size=6)


@given(st.dictionaries(st.integers(0, 500), customer_orders, max_size=40))
def test_scores_always_within_one_to_five_and_every_customer_has_a_segment(data: dict) -> None:
    population = {cid: [Order(a, NOW - timedelta(days=d)) for d, a in spec] for cid, spec in data.items()}
    result = rfm_scores(population, NOW)
    assert set(result) == {cid for cid, spec in data.items() if spec}
    for value in result.values():
        assert 1 <= value.r <= 5 and 1 <= value.f <= 5 and 1 <= value.m <= 5
        assert segment(value) in set(Segment)


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=60))
def test_quintiles_are_monotone_and_tie_consistent(values: list[int]) -> None:
    scores = quintile_scores(values)
    by_value = dict(zip(values, scores, strict=True))
    for v, s in zip(values, scores, strict=True):
        assert by_value[v] == s
    ordered = sorted(by_value)
    assert [by_value[v] for v in ordered] == sorted(by_value[v] for v in ordered)


def test_parser_rows_can_be_scored_directly() -> None:
    from inbox.insights.analytics.orders_csv import parse_orders

    valid, _ = parse_orders(["customer_id,amount,currency,ordered_at\n", "1,5.00,EUR,2024-05-30\n"])
    assert rfm_scores({"1": valid}, NOW)["1"].monetary == Decimal("5.00")
