from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.analytics.clv import (
    Clv,
    ClvConfig,
    ValueBasis,
    VipRule,
    clv_estimates,
    estimate_retention,
    is_vip,
    vip_customers,
    vip_threshold,
)
from inbox.insights.analytics.types import Order

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def o(days_ago: float, amount: str) -> Order:
    return Order(Decimal(amount), NOW - timedelta(days=days_ago))


def test_retention_is_smoothed_toward_the_default_for_small_populations() -> None:
    data = {"a": [o(400, "10"), o(10, "10")], "b": [o(500, "10")]}
    r = estimate_retention(data, NOW, ClvConfig(default_retention=0.6, retention_prior_weight=10))
    assert (r.eligible, r.retained) == (2, 1)
    assert r.rate == pytest.approx((1 + 6) / 12)
    r0 = estimate_retention(data, NOW, ClvConfig(retention_prior_weight=0))
    assert r0.rate == pytest.approx(0.5)


def test_retention_is_capped_by_min_churn() -> None:
    data = {i: [o(800, "10"), o(5, "10")] for i in range(100)}
    assert estimate_retention(data, NOW, ClvConfig(min_churn=0.1)).rate == pytest.approx(0.9)


def test_clv_by_hand() -> None:
    # One customer, two years of tenure, 8 orders of 25, last order today; no smoothing or discount.
    config = ClvConfig(retention_prior_weight=0, prior_years=0, discount_rate=0, min_churn=0.5)
    orders = [o(730.5 * k / 7, "25") for k in range(8)]
    result = clv_estimates({"x": orders}, NOW, config)["x"]
    assert result.historical == Decimal("200")
    assert result.aov == Decimal("25.00")
    assert result.annual_frequency == pytest.approx(3.5)  # 7 repeats in 2 years
    assert result.p_alive == pytest.approx(1.0)
    # retention 1.0 capped to 0.5 -> lifetime (1 + 0) / (1 - 0.5) = 2 years
    assert result.lifetime_years == pytest.approx(2.0)
    assert result.predicted == Decimal("175.00")  # 25 * 3.5 * 2
    assert result.total == Decimal("375.00")


def test_one_order_yesterday_is_not_annualised_wildly() -> None:
    data = {"new": [o(1, "100")], "old": [o(700, "100"), o(350, "100"), o(5, "100")]}
    result = clv_estimates(data, NOW)
    # Population repeat rate: 2 repeats over ~1.92 + 0.003 years of tenure; the newcomer gets about that.
    assert result["new"].annual_frequency == pytest.approx(2 / (700 / 365.25 + 1 / 365.25), rel=0.01)
    assert result["old"].predicted > 0


def test_silent_customers_are_worth_less() -> None:
    data = {
        "active": [o(800, "50"), o(400, "50"), o(3, "50")],
        "silent": [o(1200, "50"), o(800, "50"), o(400, "50")],
    }
    result = clv_estimates(data, NOW)
    assert result["silent"].p_alive < result["active"].p_alive
    assert result["silent"].predicted < result["active"].predicted


def test_no_orders_no_estimates() -> None:
    assert clv_estimates({"a": []}, NOW) == {}


def clv(value: str) -> Clv:
    return Clv(Decimal(value), Decimal(0), Decimal(0), 0.0, 1.0, 1.0)


def test_vip_top_percent_includes_ties_and_never_zero() -> None:
    clvs = {i: clv(str(v)) for i, v in enumerate([0, 0, 5, 10, 10, 20, 30, 40, 50, 50])}
    assert vip_customers(clvs, VipRule(top_percent=10, basis=ValueBasis.HISTORICAL)) == {8, 9}
    assert vip_customers(clvs, VipRule(top_percent=100, basis=ValueBasis.HISTORICAL)) == set(range(2, 10))
    assert vip_customers({1: clv("0")}, VipRule(top_percent=100)) == set()


def test_vip_threshold_rule() -> None:
    clvs = {"a": clv("99.99"), "b": clv("100"), "c": clv("250")}
    rule = VipRule(top_percent=None, threshold=Decimal("100"), basis=ValueBasis.HISTORICAL)
    assert vip_customers(clvs, rule) == {"b", "c"}
    assert vip_threshold([], rule) == Decimal("100")
    assert vip_threshold([Decimal(1)], VipRule(top_percent=None)) is None
    assert not is_vip(Decimal("5"), None)


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=2), max_size=50), st.floats(0.1, 100))
def test_top_percent_picks_at_least_the_share_asked(values: list[Decimal], pct: float) -> None:
    bar = vip_threshold(values, VipRule(top_percent=pct))
    positive = [v for v in values if v > 0]
    if not positive:
        assert bar is None
        return
    picked = [v for v in positive if is_vip(v, bar)]
    assert len(picked) >= min(len(positive), len(positive) * pct / 100)
    assert max(positive) in picked
