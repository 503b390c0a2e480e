"""Business-hours arithmetic: when is the clock running, and when is N minutes from now.

A calendar is a weekly schedule in one IANA time zone plus holidays. Opening
times are wall-clock times in that zone; elapsed time is real (UTC) time, so a
day that loses an hour to DST has one hour less of business time. With no
weekly hours the calendar is 24/7 (minus its holidays); no calendar at all is 24/7.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from escalation.messages import N_

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in `timezone`, and closed `holidays` (local dates).

    `hours` holds (weekday 0=Monday, open minute, close minute) with
    0 <= open < close <= 1440; several spans per day are allowed (lunch breaks).
    Build one from stored JSON with `calendar_from_dict`.
    """

    timezone: str = "UTC"
    hours: tuple[tuple[int, int, int], ...] = ()
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.hours and not self.holidays

    @property
    def weekly_open_minutes(self) -> int:
        return sum(c - o for _, o, c in self.hours) if self.hours else 7 * DAY_MINUTES

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _parse_clock(text: Any) -> int:
    if not isinstance(text, str) or len(text.split(":")) != 2:
        raise ValueError(N_("time %(text)r must look like 'HH:MM'", text=text))
    hh, mm = text.split(":")
    if not (hh.isdigit() and mm.isdigit()):
        raise ValueError(N_("time %(text)r must look like 'HH:MM'", text=text))
    minute = int(hh) * 60 + int(mm)
    if int(mm) > 59 or minute > DAY_MINUTES:
        raise ValueError(N_("time %(text)r is not a time of day", text=text))
    return minute


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_from_dict(data: Mapping[str, Any] | None) -> BusinessCalendar | None:
    """Parse stored JSON; None or {} means 24/7. Raises ValueError with a clear message.

    Shape: {"timezone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:00"]], ...},
    "holidays": ["2025-12-25"]}. A span closing at or before it opens ("22:00"-"06:00")
    runs overnight and is split across the two days; "24:00" closes at midnight.
    """
    if not data:
        return None
    tz = data.get("timezone", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(N_("unknown time zone %(tz)r", tz=tz)) from exc
    spans: list[tuple[int, int, int]] = []
    hours = data.get("hours") or {}
    if not isinstance(hours, Mapping):
        raise ValueError(N_("hours must map weekday names (mon..sun) to [open, close] pairs"))
    for day, pairs in hours.items():
        if day not in DAYS:
            raise ValueError(
                N_("unknown weekday %(day)r; use one of %(choices)s", day=day, choices=", ".join(DAYS))
            )
        wd = DAYS.index(day)
        for pair in pairs or ():
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(N_("%(day)s: each span must be [open, close]", day=day))
            o, c = _parse_clock(pair[0]), _parse_clock(pair[1])
            if o == c and o in (0, DAY_MINUTES):
                spans.append((wd, 0, DAY_MINUTES))
            elif o < c:
                spans.append((wd, o, c))
            else:  # overnight
                if o < DAY_MINUTES:
                    spans.append((wd, o, DAY_MINUTES))
                if c > 0:
                    spans.append(((wd + 1) % 7, 0, c))
    holidays = set()
    for raw in data.get("holidays") or ():
        try:
            holidays.add(raw if isinstance(raw, date) else date.fromisoformat(raw))
        except (TypeError, ValueError) as exc:
            raise ValueError(N_("holiday %(raw)r must be a date 'YYYY-MM-DD'", raw=raw)) from exc
    return BusinessCalendar(tz, tuple(sorted(spans)), frozenset(holidays))


def calendar_to_dict(calendar: BusinessCalendar | None) -> dict[str, Any]:
    """The JSON `calendar_from_dict` reads back; {} for 24/7."""
    if calendar is None:
        return {}
    hours: dict[str, list[list[str]]] = {}
    for wd, o, c in calendar.hours:
        hours.setdefault(DAYS[wd], []).append([_clock(o), _clock(c)])
    return {
        "timezone": calendar.timezone,
        "hours": hours,
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
    }


def _utc(dt: datetime) -> datetime:
    """Aware UTC; naive datetimes are taken to be UTC already (as the database stores them)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _back(result: datetime, like: datetime) -> datetime:
    """Return in the zone of the input: naive UTC in, naive UTC out."""
    return result.replace(tzinfo=None) if like.tzinfo is None else result.astimezone(like.tzinfo)


def _wall_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=1), minute - DAY_MINUTES
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _open_spans(calendar: BusinessCalendar, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's open spans as UTC instants, merged, in order."""
    if day in calendar.holidays:
        return []
    spans = (
        [(o, c) for wd, o, c in calendar.hours if wd == day.weekday()]
        if calendar.hours
        else [(0, DAY_MINUTES)]
    )
    merged: list[list[int]] = []
    for o, c in sorted(spans):
        if merged and o <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], c)
        else:
            merged.append([o, c])
    return [(_wall_to_utc(day, o, tz), _wall_to_utc(day, c, tz)) for o, c in merged]


def _spans_from(
    calendar: BusinessCalendar, start: datetime, max_days: int
) -> Iterator[tuple[datetime, datetime]]:
    """Open spans (UTC) that end after `start` (aware UTC), clipped to start."""
    tz = calendar.zone()
    day = start.astimezone(tz).date()
    for _ in range(max_days):
        for s, e in _open_spans(calendar, day, tz):
            if e > start:
                yield max(s, start), e
        day += timedelta(days=1)


def is_business_time(dt: datetime, calendar: BusinessCalendar | None) -> bool:
    """Whether the SLA clock runs at `dt` (no calendar: always)."""
    if calendar is None or calendar.always_open:
        return True
    instant = _utc(dt)
    tz = calendar.zone()
    return any(s <= instant < e for s, e in _open_spans(calendar, instant.astimezone(tz).date(), tz))


def add_business_minutes(start: datetime, minutes: float, calendar: BusinessCalendar | None) -> datetime:
    """The instant when `minutes` of business time have passed since `start`.

    Time outside opening hours, on weekends without hours and on holidays does
    not count. Zero minutes returns `start` unchanged. The result is in the
    zone of `start` (naive in, naive UTC out).
    """
    if minutes < 0 or not math.isfinite(minutes):
        raise ValueError("minutes must be a finite number >= 0")
    if minutes == 0:
        return start
    origin = _utc(start)
    remaining = timedelta(minutes=minutes)
    if calendar is None or calendar.always_open:
        return _back(origin + remaining, start)
    weeks = math.ceil(minutes / calendar.weekly_open_minutes) + 2
    for s, e in _spans_from(calendar, origin, weeks * 7 + len(calendar.holidays)):
        if e - s >= remaining:
            return _back(s + remaining, start)
        remaining -= e - s
    raise ValueError("the calendar has no opening hours left to count")


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar | None) -> float:
    """Business minutes from `start` to `end` (negative when `end` is earlier)."""
    a, b = _utc(start), _utc(end)
    if b < a:
        return -business_minutes_between(end, start, calendar)
    if calendar is None or calendar.always_open:
        return (b - a).total_seconds() / 60
    total = timedelta()
    days = (b - a).days + 2
    for s, e in _spans_from(calendar, a, days):
        if s >= b:
            break
        total += min(e, b) - s
    return total.total_seconds() / 60
