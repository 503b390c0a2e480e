"""The period of a report, as the viewer means it: presets and custom dates in their time zone.

"Yesterday" for a supervisor in Bangkok is not UTC's yesterday: a period is computed from local
calendar dates in the viewer's IANA time zone and turned into a UTC half-open range
[start, end), which is what the indexed columns hold. Weeks start on Monday; a custom range
names its first and last local day, both included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.store.errors import N_, Invalid

PRESETS = (
    "today",
    "yesterday",
    "last_7_days",
    "last_30_days",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "custom",
)
MAX_DAYS = 400  # a custom range up to a year and a bit (last year plus a margin)


@dataclass(frozen=True)
class Period:
    """A report's range: [start, end) in UTC, and how the viewer named it."""

    start: datetime
    end: datetime
    preset: str
    tz: str
    first_day: date  # local, included
    last_day: date  # local, included

    def params(self) -> dict[str, str]:
        """Query parameters that name this period again (for drill-down and CSV links)."""
        return {
            "preset": "custom",
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "tz": self.tz,
        }


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; a 400 naming `tz` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid(
            N_("unknown time zone %(name)s; use an IANA name such as Asia/Bangkok"), "tz", name=repr(name)
        ) from None


def _days(preset: str, today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_week":
        return monday, today
    if preset == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if preset == "this_month":
        return month, today
    # last_month
    last = month - timedelta(days=1)
    return last.replace(day=1), last


def period(
    now: datetime,
    preset: str | None = None,
    tz: str = "UTC",
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The UTC range of a preset (default the last 7 days) or of custom local dates.

    Giving `from`/`to` without a preset means custom; a custom range needs both, in order,
    and at most `MAX_DAYS` days."""
    z = zone(tz)
    if preset is None:
        preset = "custom" if first is not None or last is not None else "last_7_days"
    if preset not in PRESETS:
        raise Invalid(N_("preset must be one of %(choices)s"), "preset", choices=", ".join(PRESETS))
    if preset == "custom":
        if first is None:
            raise Invalid(N_("a custom period needs from (a date, YYYY-MM-DD)"), "from")
        if last is None:
            raise Invalid(N_("a custom period needs to (a date, YYYY-MM-DD, included)"), "to")
        if last < first:
            raise Invalid(N_("to must not be before from"), "to")
        if (last - first).days + 1 > MAX_DAYS:
            raise Invalid(N_("a period is at most %(max_days)s days"), "to", max_days=MAX_DAYS)
    else:
        first, last = _days(preset, now.astimezone(z).date())
    start = datetime.combine(first, time(0), z).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), z).astimezone(UTC)
    return Period(start, end, preset, tz, first, last)
