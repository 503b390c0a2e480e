"""The cursor rules every newest-first channel relies on, with exact states.

`sweep` walks a newest-first listing down to the high-water mark (time key, ids at exactly that
time): items strictly older, or at the mark and already seen, are known; everything else is new.
The state after the last page is the newest key met and every id at that key, so two items
sharing a timestamp across a poll boundary are neither lost nor repeated.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connectors import cursor as cur
from connectors.cursor import Item, sweep
from connectors.errors import PayloadError


def test_load_and_dump_round_trip_deterministically() -> None:
    assert cur.load(None) == {} and cur.load("") == {}
    text = cur.dump({"b": 1, "a": [1, 2], "gone": None})
    assert text == '{"a":[1,2],"b":1}'  # sorted, compact, None dropped: equal state, equal string
    assert cur.load(text) == {"a": [1, 2], "b": 1}


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '"text"', "12"])
def test_a_cursor_this_channel_did_not_write_is_a_payload_error(bad: str) -> None:
    with pytest.raises(PayloadError) as err:
        cur.load(bad)
    assert (err.value.field, err.value.message) == ("cursor", "not a cursor this channel wrote")
    assert str(err.value) == "cursor: not a cursor this channel wrote"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04T10:15:29Z", datetime(2026, 3, 4, 10, 15, 29, tzinfo=UTC)),
        ("2026-03-04T12:15:29+02:00", datetime(2026, 3, 4, 10, 15, 29, tzinfo=UTC)),
        ("2026-03-04T10:15:29", datetime(2026, 3, 4, 10, 15, 29, tzinfo=UTC)),  # naive is UTC
        (None, datetime(1970, 1, 1, tzinfo=UTC)),
        ("", datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_iso(text: str | None, expected: datetime) -> None:
    got = cur.parse_iso(text)
    assert got == expected and got.utcoffset().total_seconds() == 0


def test_times_are_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        naive = cur.parse_iso("2026-03-04T10:15:29")
        aware = cur.parse_iso("2026-03-04T12:15:29+02:00")
        assert naive == aware == datetime(2026, 3, 4, 10, 15, 29, tzinfo=UTC)
        assert naive.tzinfo is UTC and aware.tzinfo is UTC
        assert cur.iso_now(1_772_619_329.5) == "2026-03-04T10:15:29.500Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_iso_now_has_milliseconds() -> None:
    assert cur.iso_now(1_772_619_329.5) == "2026-03-04T10:15:29.500Z"
    assert cur.iso_now(1_772_619_329.007) == "2026-03-04T10:15:29.007Z"


def test_first_run_takes_the_newest_page_and_marks_its_top() -> None:
    fresh, state, more = sweep({}, [Item(30, "c"), Item(30, "b"), Item(20, "a")], "next")
    assert fresh == ["c", "b", "a"] and not more  # first run: one page only
    assert state == {"hwm": 30, "seen": ["b", "c"]}


def test_first_run_on_an_empty_listing_follows_from_the_start() -> None:
    assert sweep({}, [], None) == ([], {"hwm": 0.0, "seen": []}, False)


def test_stops_at_the_high_water_mark_and_keeps_ties_exactly() -> None:
    state = {"hwm": 30, "seen": ["c"]}
    items = [Item(40, "e"), Item(30, "d"), Item(30, "c"), Item(20, "a")]
    fresh, after, more = sweep(state, items, "next")
    assert fresh == ["e", "d"]  # d shares c's second but was not seen: new; c and a are known
    assert after == {"hwm": 40, "seen": ["e"]} and not more


def test_a_new_item_at_the_mark_joins_the_seen_ids() -> None:
    fresh, after, more = sweep({"hwm": 30, "seen": ["c"]}, [Item(30, "d"), Item(30, "c")], None)
    assert fresh == ["d"] and after == {"hwm": 30, "seen": ["c", "d"]} and not more


def test_a_known_item_does_not_end_the_page_early() -> None:
    fresh, after, _ = sweep({"hwm": 30, "seen": ["c"]}, [Item(30, "c"), Item(30, "d")], None)
    assert fresh == ["d"] and after == {"hwm": 30, "seen": ["c", "d"]}


def test_unwanted_items_move_the_mark_but_are_not_returned() -> None:
    fresh, after, _ = sweep({"hwm": 10, "seen": []}, [Item(50, "x", wanted=False), Item(40, "y")], None)
    assert fresh == ["y"] and after == {"hwm": 50, "seen": ["x"]}


def test_a_full_page_of_new_items_asks_for_the_next_and_remembers_the_top() -> None:
    fresh, mid, more = sweep({"hwm": 10, "seen": ["a"]}, [Item(50, "e"), Item(40, "d")], "p2")
    assert fresh == ["e", "d"] and more
    assert mid == {"hwm": 10, "seen": ["a"], "page": "p2", "top": 50, "top_seen": ["e"]}
    fresh2, end, more2 = sweep(mid, [Item(30, "c"), Item(10, "a")], "p3")
    assert fresh2 == ["c"] and not more2  # reached the mark on page 2
    assert end == {"hwm": 50, "seen": ["e"]}  # the top of page 1 becomes the mark


def test_the_last_page_ends_the_sweep_even_before_the_mark() -> None:
    fresh, end, more = sweep({"hwm": 10, "seen": []}, [Item(30, "c")], None)
    assert fresh == ["c"] and end == {"hwm": 30, "seen": ["c"]} and not more


def test_an_older_item_below_the_top_does_not_change_it() -> None:
    _, end, _ = sweep({"hwm": 10, "seen": []}, [Item(50, "e"), Item(20, "b"), Item(50, "f")], None)
    assert end == {"hwm": 50, "seen": ["e", "f"]}
