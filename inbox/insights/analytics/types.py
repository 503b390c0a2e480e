"""Values shared by the analytics modules: an order as RFM and CLV need it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Order:
    """One purchase. Amounts of one computation must share a currency.

    The analytics never convert currencies: the caller converts (or groups by
    currency) before scoring, because a sum of EUR and JPY means nothing.
    `ordered_at` should be timezone-aware and comparable with the `now` given
    to the scoring functions.
    """

    amount: Decimal
    ordered_at: datetime
    currency: str = ""
    order_id: str | None = None


class OrderLike(Protocol):
    """What RFM and CLV read from an order: `Order`, an `OrderRow`, or a database row."""

    @property
    def amount(self) -> Decimal: ...

    @property
    def ordered_at(self) -> datetime: ...
