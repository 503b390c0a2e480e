"""Customer lifetime value: a transparent heuristic, and the VIP rule.

Method
------
For a customer with orders, ``predicted = annual_value * p_alive * lifetime``:

- ``annual_value = AOV * annual_frequency``, AOV being the customer's own
  average order value.
- ``annual_frequency = (repeats + prior_years * population_rate) /
  (tenure_years + prior_years)``: the customer's repeat-purchase rate
  (orders after the first, which only marks acquisition) shrunk toward the
  population's by `prior_years` of "typical" behaviour. A customer who
  bought once yesterday gets about the population's rate instead of being
  annualised to hundreds of orders a year; a long-standing customer's own
  rate dominates. `population_rate` is total repeats over total tenure;
  tenure runs from first order to `now`. If nobody has ever bought twice,
  the rate (and so `predicted`) is 0: there is no evidence of repeat value.
- ``retention``: the share of customers whose first order is at least
  `horizon_days` old that ordered again within the last `horizon_days`,
  smoothed toward `default_retention` with the weight of
  `retention_prior_weight` customers (so tiny or young shops get the default)
  and capped at ``1 - min_churn``.
- ``lifetime = (1 + d) / (1 + d - retention)`` years: the expected
  discounted number of years of a customer retained with constant
  probability each year at annual discount rate ``d`` (the "margin multiple"
  of Gupta & Lehmann, 2003), capped at `max_lifetime_years`.
- ``p_alive = retention ** (recency_years)``: a customer silent for two years
  counts as retained twice over. It is a heuristic: real silence is more
  telling than memoryless churn suggests.

`historical` (what the customer has spent) is reported next to `predicted`;
`total` is their sum.

Limits, honestly: this is not BG/NBD or Pareto/NBD. It assumes one retention
rate for everybody, constant spend per order, and a purchase rate that does
not change with age; it ignores margins and returns (pass net amounts if you
have them); retention is estimated from order data alone, so a customer who
stays in touch but buys yearly looks retained only if `horizon_days` covers a
year. It is good for ranking customers and flagging VIPs, not for finance.

VIP
---
`VipRule` flags a customer when their chosen value (predicted, historical or
total) is at least `threshold`, or when they are in the top `top_percent` of
customers by that value; ties at the cut are all in. A zero value is never
VIP. `vip_threshold` turns a top-percent rule into one number the inbox can
store and compare in escalation conditions.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from inbox.insights.analytics.types import OrderLike

K = TypeVar("K", bound=Hashable)
_DAY = 86400.0
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ClvConfig:
    horizon_days: int = 365
    default_retention: float = 0.6
    retention_prior_weight: float = 10.0
    min_churn: float = 0.05
    discount_rate: float = 0.10
    max_lifetime_years: float = 10.0
    prior_years: float = 1.0


@dataclass(frozen=True)
class Retention:
    """The population retention estimate and the evidence behind it."""

    rate: float
    eligible: int
    retained: int


@dataclass(frozen=True)
class Clv:
    historical: Decimal
    predicted: Decimal
    aov: Decimal
    annual_frequency: float
    p_alive: float
    lifetime_years: float

    @property
    def total(self) -> Decimal:
        return self.historical + self.predicted


class ValueBasis(StrEnum):
    PREDICTED = "predicted"
    HISTORICAL = "historical"
    TOTAL = "total"


@dataclass(frozen=True)
class VipRule:
    """VIP if value >= `threshold` (when set) or in the top `top_percent` (when set)."""

    top_percent: float | None = 5.0
    threshold: Decimal | None = None
    basis: ValueBasis = ValueBasis.TOTAL


@dataclass(frozen=True)
class _Summary:
    count: int
    total: Decimal
    first: datetime
    last: datetime


def _summaries(customers_orders: Mapping[K, Iterable[OrderLike]]) -> dict[K, _Summary]:
    out: dict[K, _Summary] = {}
    for cid, orders in customers_orders.items():
        count, total, first, last = 0, Decimal(0), None, None
        for o in orders:
            count += 1
            total += o.amount
            first = o.ordered_at if first is None or o.ordered_at < first else first
            last = o.ordered_at if last is None or o.ordered_at > last else last
        if first is not None and last is not None:
            out[cid] = _Summary(count, total, first, last)
    return out


def _retention(summaries: Iterable[_Summary], now: datetime, config: ClvConfig) -> Retention:
    eligible = retained = 0
    for s in summaries:
        if (now - s.first).total_seconds() >= config.horizon_days * _DAY:
            eligible += 1
            if (now - s.last).total_seconds() <= config.horizon_days * _DAY:
                retained += 1
    w = config.retention_prior_weight
    rate = (retained + w * config.default_retention) / (eligible + w) if eligible + w > 0 else 0.0
    return Retention(min(rate, 1.0 - config.min_churn), eligible, retained)


def estimate_retention(
    customers_orders: Mapping[K, Iterable[OrderLike]], now: datetime, config: ClvConfig | None = None
) -> Retention:
    """Annual retention of the population, smoothed toward the configured default."""
    return _retention(_summaries(customers_orders).values(), now, config or ClvConfig())


def clv_estimates(
    customers_orders: Mapping[K, Iterable[OrderLike]], now: datetime, config: ClvConfig | None = None
) -> dict[K, Clv]:
    """Estimate CLV for every customer with orders, by the module's documented method."""
    config = config or ClvConfig()
    summaries = _summaries(customers_orders)
    if not summaries:
        return {}
    retention = _retention(summaries.values(), now, config).rate
    d = config.discount_rate
    lifetime = min(config.max_lifetime_years, (1 + d) / (1 + d - retention))
    tenures = {cid: max(0.0, (now - s.first).total_seconds() / _DAY / 365.25) for cid, s in summaries.items()}
    total_tenure = sum(tenures.values())
    total_repeats = sum(s.count - 1 for s in summaries.values())
    population_rate = total_repeats / total_tenure if total_tenure > 0 else 0.0
    prior = config.prior_years
    out: dict[K, Clv] = {}
    for cid, s in summaries.items():
        aov = s.total / s.count
        tenure = tenures[cid]
        repeats = s.count - 1
        freq = (repeats + prior * population_rate) / (tenure + prior) if tenure + prior > 0 else 0.0
        recency_years = max(0.0, (now - s.last).total_seconds() / _DAY / 365.25)
        p_alive = retention**recency_years
        factor = Decimal(repr(freq * p_alive * lifetime))
        out[cid] = Clv(
            historical=s.total,
            predicted=(aov * factor).quantize(_CENT, ROUND_HALF_UP),
            aov=aov.quantize(_CENT, ROUND_HALF_UP),
            annual_frequency=freq,
            p_alive=p_alive,
            lifetime_years=lifetime,
        )
    return out


def value_of(clv: Clv, basis: ValueBasis) -> Decimal:
    """The figure a VIP rule compares, by its basis."""
    if basis is ValueBasis.PREDICTED:
        return clv.predicted
    if basis is ValueBasis.HISTORICAL:
        return clv.historical
    return clv.total


def vip_threshold(values: Iterable[Decimal], rule: VipRule) -> Decimal | None:
    """The lowest value that makes a customer VIP under `rule`, or None if nobody can be.

    Top-percent picks ``ceil(n * top_percent / 100)`` of the n customers with a
    positive value (at least one when any has); the cut value
    is the value of the last one picked, so everyone tied with them is in.
    With both a threshold and a percentage the lower bar wins (either makes VIP).
    """
    bars: list[Decimal] = []
    if rule.threshold is not None:
        bars.append(max(rule.threshold, Decimal("0.01")))
    if rule.top_percent is not None and rule.top_percent > 0:
        positive = sorted((v for v in values if v > 0), reverse=True)
        if positive:
            k = min(len(positive), math.ceil(len(positive) * rule.top_percent / 100))
            bars.append(positive[k - 1])
    return min(bars) if bars else None


def is_vip(value: Decimal, threshold: Decimal | None) -> bool:
    """True when a positive `value` reaches a threshold from `vip_threshold`."""
    return threshold is not None and value > 0 and value >= threshold


def vip_customers(clvs: Mapping[K, Clv], rule: VipRule | None = None) -> set[K]:
    """The customers the rule flags as VIP."""
    rule = rule or VipRule()
    values = {cid: value_of(c, rule.basis) for cid, c in clvs.items()}
    bar = vip_threshold(values.values(), rule)
    return {cid for cid, v in values.items() if is_vip(v, bar)}
