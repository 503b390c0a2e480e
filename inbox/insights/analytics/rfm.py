"""RFM scoring: how recently, how often and how much each customer buys.

Method
------
For every customer with at least one order we measure

- **recency**: days from the latest order to `now` (orders after `now` count
  as today, so clock skew cannot produce negative recency);
- **frequency**: the number of orders;
- **monetary**: the sum of order amounts (one currency; see `types.Order`).

Each measure becomes a 1-5 score by its *mid-rank percentile* in the scored
population: with `n` customers, a customer who beats `b` others and ties with
`t` others (excluding themself) sits at ``p = (b + t/2) / (n - 1)`` and scores
``1 + min(4, floor(5 * p))``. Lower recency is better; higher frequency and
monetary are better. Integer arithmetic keeps the cut points exact.

Why this tie rule: tied customers always get the same score (the score of the
middle of their tie group), so ordering by customer id or input order can
never split a tie, and a population where everybody is equal scores 3 across
the board rather than pretending someone is best. With distinct values the
scores are exact quintiles (n = 5 gives 1..5; n = 10 gives two of each).

Small populations: one customer scores 3/3/3 (there is nobody to compare
with); two distinct customers score 1 and 5. Scores are relative: a shop
whose best customer bought twice still has 5s. Read the raw figures kept on
`Rfm` when absolute meaning matters.

Segments
--------
`segment` maps scores to names with this table; the first matching row wins.

=====================  ==========================================================
segment                rule
=====================  ==========================================================
champions              R >= 4 and F >= 4 and M >= 4
loyal                  R >= 3 and F >= 4
new                    R >= 4 and exactly one order (raw count, see below)
potential_loyalist     R >= 3 (recent, not yet frequent)
at_risk                R <= 2 and (F >= 3 or M >= 4): valuable, going quiet
hibernating            R == 2
lost                   R == 1
=====================  ==========================================================

"new" uses the raw order count, not F: when most customers bought once (the
usual case) their F score is the mid-rank of a huge tie and can be 2 or 3,
which would hide every first-time buyer. The table covers every score
combination, so every scored customer gets exactly one segment.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from inbox.insights.analytics.types import OrderLike

K = TypeVar("K", bound=Hashable)


class Segment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW = "new"
    AT_RISK = "at_risk"
    HIBERNATING = "hibernating"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Rfm:
    """A customer's raw RFM figures and their 1-5 scores in the population."""

    recency_days: float
    frequency: int
    monetary: Decimal
    r: int
    f: int
    m: int

    @property
    def code(self) -> str:
        """The conventional three-digit label, e.g. "545"."""
        return f"{self.r}{self.f}{self.m}"


def quintile_scores(values: Sequence[float | int | Decimal], higher_is_better: bool = True) -> list[int]:
    """Score each value 1-5 by its mid-rank percentile among `values`.

    Ties share one score; a single value scores 3. See the module docstring.
    """
    n = len(values)
    if n == 0:
        return []
    if n == 1:
        return [3]
    ordered = sorted(values)
    cache: dict[float | int | Decimal, int] = {}
    scores = []
    for v in values:
        score = cache.get(v)
        if score is None:
            below = bisect_left(ordered, v)
            above = n - bisect_right(ordered, v)
            tied_others = n - below - above - 1
            beaten = below if higher_is_better else above
            # p = (beaten + tied/2) / (n - 1); score = 1 + min(4, floor(5p)), in integers.
            score = 1 + min(4, (5 * (2 * beaten + tied_others)) // (2 * (n - 1)))
            cache[v] = score
        scores.append(score)
    return scores


def rfm_scores(customers_orders: Mapping[K, Iterable[OrderLike]], now: datetime) -> dict[K, Rfm]:
    """Score every customer that has at least one order against the others.

    Customers with no orders are left out (they have no RFM; their lifecycle
    stage describes them better). Amounts are summed as given: the caller
    passes one currency. `now` and the order times must both be aware or
    both naive.
    """
    ids: list[K] = []
    recency: list[float] = []
    frequency: list[int] = []
    monetary: list[Decimal] = []
    for customer_id, orders in customers_orders.items():
        count = 0
        total = Decimal(0)
        latest: datetime | None = None
        for order in orders:
            count += 1
            total += order.amount
            if latest is None or order.ordered_at > latest:
                latest = order.ordered_at
        if latest is None:
            continue
        ids.append(customer_id)
        recency.append(max(0.0, (now - latest).total_seconds() / 86400))
        frequency.append(count)
        monetary.append(total)
    r_scores = quintile_scores(recency, higher_is_better=False)
    f_scores = quintile_scores(frequency)
    m_scores = quintile_scores(monetary)
    return {
        cid: Rfm(recency[i], frequency[i], monetary[i], r_scores[i], f_scores[i], m_scores[i])
        for i, cid in enumerate(ids)
    }


def segment(rfm: Rfm) -> Segment:
    """Name the customer's segment by the table in the module docstring."""
    r, f, m = rfm.r, rfm.f, rfm.m
    if r >= 4 and f >= 4 and m >= 4:
        return Segment.CHAMPIONS
    if r >= 3 and f >= 4:
        return Segment.LOYAL
    if r >= 4 and rfm.frequency == 1:
        return Segment.NEW
    if r >= 3:
        return Segment.POTENTIAL_LOYALIST
    if f >= 3 or m >= 4:
        return Segment.AT_RISK
    if r == 2:
        return Segment.HIBERNATING
    return Segment.LOST
