"""The signed month/day spans term counts are read from cover every day of the range exactly
once, and read at most half a month of day rows at either end."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.rollups import month_spans as _months
from inbox.store.models.rollups import DAY, MONTH

START = datetime(2025, 1, 1, tzinfo=UTC)


def _days(x: datetime, y: datetime) -> list[datetime]:
    return [x + timedelta(days=i) for i in range((y - x).days)]


@given(st.integers(0, 800), st.integers(1, 800))
def test_signed_spans_cover_each_day_once(first: int, length: int) -> None:
    a = START + timedelta(days=first)
    b = a + timedelta(days=length)
    cover: Counter[datetime] = Counter()
    day_rows = 0
    for grain, x, y, sign in _months(a, b):
        assert grain in (DAY, MONTH) and sign in (1, -1)
        if grain == MONTH:
            assert x.day == 1 and y.day == 1
        else:
            day_rows += (y - x).days
        for d in _days(x, y):
            cover[d] += sign
    assert {d: n for d, n in cover.items() if n} == dict.fromkeys(_days(a, b), 1)
    assert day_rows <= 2 * 15
