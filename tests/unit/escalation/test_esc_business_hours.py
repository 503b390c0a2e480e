"""Business-time arithmetic: nights, weekends, holidays, DST, 24/7."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    calendar_from_dict,
    calendar_to_dict,
    is_business_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = calendar_from_dict(
    {
        "timezone": "Europe/Berlin",
        "hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS},
        "holidays": ["2025-12-25", "2025-12-26"],
    }
)


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def test_within_the_same_day():
    assert add_business_minutes(berlin(2025, 6, 2, 10, 0), 90, OFFICE) == berlin(2025, 6, 2, 11, 30)


def test_across_the_night():
    assert add_business_minutes(berlin(2025, 6, 2, 16, 30), 60, OFFICE) == berlin(2025, 6, 3, 9, 30)


def test_start_before_opening_counts_from_opening():
    assert add_business_minutes(berlin(2025, 6, 3, 6, 0), 30, OFFICE) == berlin(2025, 6, 3, 9, 30)


def test_across_the_weekend():
    assert add_business_minutes(berlin(2025, 6, 6, 16, 0), 120, OFFICE) == berlin(2025, 6, 9, 10, 0)
    assert add_business_minutes(berlin(2025, 6, 7, 12, 0), 60, OFFICE) == berlin(2025, 6, 9, 10, 0)


def test_across_holidays():
    # Wed 24 Dec 16:00, Thu 25 and Fri 26 are holidays, then the weekend
    assert add_business_minutes(berlin(2025, 12, 24, 16, 0), 120, OFFICE) == berlin(2025, 12, 29, 10, 0)


def test_dst_spring_forward_weekend():
    # Fri 28 Mar 2025 16:00 CET; clocks go forward Sun 30 Mar; Monday opens 09:00 CEST
    due = add_business_minutes(berlin(2025, 3, 28, 16, 0), 120, OFFICE)
    assert due == berlin(2025, 3, 31, 10, 0)
    assert due.utcoffset() == timedelta(hours=2)


def test_dst_day_has_23_hours_in_a_24_7_schedule():
    always = calendar_from_dict(
        {"timezone": "Europe/Berlin", "hours": {d: [["00:00", "24:00"]] for d in ("sat", "sun", "mon")}}
    )
    # Sun 30 Mar 2025 lasts 23 real hours: 24h of business time ends Mon 01:00 local
    assert add_business_minutes(berlin(2025, 3, 30, 0, 0), 24 * 60, always) == berlin(2025, 3, 31, 1, 0)


def test_dst_fall_back_day_has_25_hours():
    always = calendar_from_dict({"timezone": "Europe/Berlin", "hours": {"sun": [["00:00", "24:00"]]}})
    start = berlin(2025, 10, 26, 0, 0)
    assert business_minutes_between(start, berlin(2025, 10, 27, 0, 0), always) == 25 * 60


def test_no_calendar_is_24_7_in_real_time():
    start = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    assert add_business_minutes(start, 600, None) == start + timedelta(minutes=600)
    assert add_business_minutes(berlin(2025, 3, 30, 1, 30), 60, None) == berlin(2025, 3, 30, 3, 30)


def test_naive_datetimes_are_utc_and_stay_naive():
    utc_cal = calendar_from_dict({"timezone": "UTC", "hours": {"mon": [["09:00", "10:00"]]}})
    due = add_business_minutes(datetime(2025, 6, 2, 9, 30), 60, utc_cal)
    assert due == datetime(2025, 6, 9, 9, 30) and due.tzinfo is None


def test_zero_and_negative_minutes():
    start = berlin(2025, 6, 7, 12, 0)
    assert add_business_minutes(start, 0, OFFICE) == start
    with pytest.raises(ValueError):
        add_business_minutes(start, -1, OFFICE)


def test_is_business_time():
    assert is_business_time(berlin(2025, 6, 2, 9, 0), OFFICE)
    assert not is_business_time(berlin(2025, 6, 2, 17, 0), OFFICE)
    assert not is_business_time(berlin(2025, 6, 7, 12, 0), OFFICE)  # Saturday
    assert not is_business_time(berlin(2025, 12, 25, 12, 0), OFFICE)  # holiday
    assert is_business_time(datetime(2025, 6, 2, 7, 30, tzinfo=UTC), OFFICE)  # 09:30 CEST
    assert is_business_time(berlin(2025, 6, 7, 3, 0), None)


def test_holidays_only_calendar_is_24_7_except_holidays():
    cal = BusinessCalendar("UTC", (), frozenset({date(2025, 1, 1)}))
    assert not is_business_time(datetime(2025, 1, 1, 12, tzinfo=UTC), cal)
    assert add_business_minutes(datetime(2024, 12, 31, 23, 0, tzinfo=UTC), 120, cal) == datetime(
        2025, 1, 2, 1, 0, tzinfo=UTC
    )


def test_lunch_break_and_overnight_shift():
    cal = calendar_from_dict(
        {
            "timezone": "UTC",
            "hours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["22:00", "06:00"]]},
        }
    )
    assert add_business_minutes(datetime(2025, 6, 2, 11, 0, tzinfo=UTC), 120, cal) == datetime(
        2025, 6, 2, 14, 0, tzinfo=UTC
    )
    assert is_business_time(
        datetime(2025, 6, 4, 5, 0, tzinfo=UTC), cal
    )  # Wednesday 05:00, Tuesday's night shift
    assert add_business_minutes(datetime(2025, 6, 3, 23, 0, tzinfo=UTC), 120, cal) == datetime(
        2025, 6, 4, 1, 0, tzinfo=UTC
    )


def test_calendar_round_trip_and_errors():
    assert calendar_from_dict(calendar_to_dict(OFFICE)) == OFFICE
    assert calendar_from_dict({}) is None
    for bad, fragment in [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"hours": {"funday": []}}, "weekday"),
        ({"hours": {"mon": [["9", "17:00"]]}}, "HH:MM"),
        ({"hours": {"mon": [["09:00", "25:00"]]}}, "time of day"),
        ({"holidays": ["25/12/2025"]}, "YYYY-MM-DD"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            calendar_from_dict(bad)


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    st.integers(0, 5000),
    st.integers(0, 5000),
)
def test_adding_is_consistent_with_counting(start, a, b):
    start = start.replace(tzinfo=UTC)
    end_a = add_business_minutes(start, a, OFFICE)
    assert end_a >= start
    assert add_business_minutes(end_a, b, OFFICE) == add_business_minutes(start, a + b, OFFICE)
    assert abs(business_minutes_between(start, end_a, OFFICE) - a) < 1e-6
