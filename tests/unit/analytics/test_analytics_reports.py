"""The report's statistics and periods, without a database: `summarize` against the statistics
module, and every preset's local days."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.agent_reports import summarize
from inbox.insights.report_periods import MAX_DAYS, PRESETS, period
from inbox.store.errors import Invalid


@given(st.lists(st.floats(min_value=0, max_value=1e8, allow_nan=False), max_size=300))
def test_summarize_is_the_median_and_the_nearest_rank_p90(values):
    t = summarize(list(values))
    assert t.count == len(values)
    if not values:
        assert (t.mean, t.median, t.p90) == (None, None, None)
        return
    ordered = sorted(values)
    assert t.median == pytest.approx(round(statistics.median(values), 1), abs=0.06)
    assert t.p90 == round(ordered[math.ceil(0.9 * len(values)) - 1], 1)
    assert t.mean == pytest.approx(round(statistics.fmean(values), 1), abs=0.06)


def test_p90_of_ten_is_the_ninth_and_of_eleven_the_tenth():
    assert summarize([float(i) for i in range(1, 11)]).p90 == 9.0
    assert summarize([float(i) for i in range(1, 12)]).p90 == 10.0
    assert summarize([4.0, 1.0]).median == 2.5


NOW = datetime(2026, 12, 9, 12, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("today", date(2026, 12, 9), date(2026, 12, 9)),
        ("yesterday", date(2026, 12, 8), date(2026, 12, 8)),
        ("last_7_days", date(2026, 12, 3), date(2026, 12, 9)),
        ("last_30_days", date(2026, 11, 10), date(2026, 12, 9)),
        ("this_week", date(2026, 12, 7), date(2026, 12, 9)),
        ("last_week", date(2026, 11, 30), date(2026, 12, 6)),
        ("this_month", date(2026, 12, 1), date(2026, 12, 9)),
        ("last_month", date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_presets_are_local_calendar_days(preset, first, last):
    p = period(NOW, preset, "UTC")
    assert (p.first_day, p.last_day) == (first, last)
    assert p.end - p.start == timedelta(days=(last - first).days + 1)
    assert set(PRESETS) - {"custom"} >= {preset}


def test_last_month_in_january_is_december_and_bad_periods_name_their_field():
    p = period(datetime(2027, 1, 15, tzinfo=UTC), "last_month", "UTC")
    assert (p.first_day, p.last_day) == (date(2026, 12, 1), date(2026, 12, 31))
    for kwargs, field in (
        ({"preset": "custom", "first": date(2026, 1, 2)}, "to"),
        ({"preset": "custom", "last": date(2026, 1, 2)}, "from"),
        ({"first": date(2026, 1, 2), "last": date(2026, 1, 1)}, "to"),
        ({"first": date(2020, 1, 1), "last": date(2020, 1, 1) + timedelta(days=MAX_DAYS)}, "to"),
        ({"tz": "Not/AZone"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"preset": "soon"}, "preset"),
    ):
        with pytest.raises(Invalid) as err:
            period(NOW, **kwargs)
        assert err.value.field == field, kwargs
    assert (
        period(NOW, first=date(2020, 1, 1), last=date(2020, 1, 1) + timedelta(days=MAX_DAYS - 1)).preset
        == "custom"
    )
