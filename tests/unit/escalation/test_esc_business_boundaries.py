"""Business hours exactly on their edges: open at the opening minute, closed at the closing one.

Spans are half-open ([09:00, 17:00)): a due time that lands exactly on closing stays that day,
and one more minute rolls to the next opening. Pinned so an off-by-one in a comparison fails.
"""

from __future__ import annotations

import pytest

from escalation import add_business_minutes, business_minutes_between, is_business_time
from tests.unit.escalation.test_esc_business_hours import OFFICE, berlin


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        ((2025, 6, 2, 9, 0), True),  # Monday, the opening minute
        ((2025, 6, 2, 8, 59), False),
        ((2025, 6, 2, 16, 59), True),
        ((2025, 6, 2, 17, 0), False),  # the closing minute is closed
        ((2025, 6, 7, 10, 0), False),  # Saturday
        ((2025, 12, 25, 10, 0), False),  # a holiday on a Thursday
    ],
)
def test_is_business_time_on_the_edges(when: tuple[int, ...], open_: bool) -> None:
    assert is_business_time(berlin(*when), OFFICE) is open_


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        ((2025, 6, 2, 16, 0), 60, (2025, 6, 2, 17, 0)),  # lands exactly on closing: same day
        ((2025, 6, 2, 16, 0), 61, (2025, 6, 3, 9, 1)),  # one more minute: next opening + 1
        ((2025, 6, 2, 17, 0), 0, (2025, 6, 2, 17, 0)),  # nothing to add: unchanged
        ((2025, 6, 2, 17, 0), 1, (2025, 6, 3, 9, 1)),
        ((2025, 6, 6, 16, 30), 60, (2025, 6, 9, 9, 30)),  # Friday over the weekend
        ((2025, 6, 2, 8, 0), 1, (2025, 6, 2, 9, 1)),  # before opening counts from opening
    ],
)
def test_add_business_minutes_on_the_edges(start: tuple, minutes: float, due: tuple) -> None:
    assert add_business_minutes(berlin(*start), minutes, OFFICE) == berlin(*due)


def test_fractions_of_a_minute_are_kept() -> None:
    assert add_business_minutes(berlin(2025, 6, 2, 9, 0), 0.5, OFFICE) == berlin(2025, 6, 2, 9, 0, 30)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ((2025, 6, 2, 8, 0), (2025, 6, 2, 18, 0), 480.0),  # only the open day counts
        ((2025, 6, 2, 9, 0), (2025, 6, 2, 17, 0), 480.0),
        ((2025, 6, 6, 16, 0), (2025, 6, 9, 10, 0), 120.0),  # Friday's last hour + Monday's first
        ((2025, 6, 7, 9, 0), (2025, 6, 8, 17, 0), 0.0),  # a weekend has no business time
        ((2025, 6, 2, 10, 0), (2025, 6, 2, 9, 0), -60.0),  # signed: the end before the start
    ],
)
def test_business_minutes_between_on_the_edges(start: tuple, end: tuple, minutes: float) -> None:
    assert business_minutes_between(berlin(*start), berlin(*end), OFFICE) == minutes
