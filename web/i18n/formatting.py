"""Dates, times, numbers and money in the reader's language and time zone (Babel), for Jinja and Python.

Thai readers get the Buddhist Era by default (พ.ศ. 2569 for 2026), as Thai documents write it, unless they
switch it off in their profile; Babel formats only the Gregorian calendar, so the year (and the era name)
is substituted into the locale's own pattern rather than guessed at.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_datetime, format_timedelta, get_date_format, get_datetime_format
from babel.dates import get_time_format as babel_time_format
from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import get_locale, get_timezone

BE_OFFSET = 543  # the Buddhist Era counts from 543 BCE
_YEAR = re.compile(r"y+")
_ERA = re.compile(r"G+")


def _buddhist_pattern(pattern: str, year: int) -> str:
    """The locale's pattern with the Buddhist year (and era name, where the pattern shows one) as literals."""
    pattern = _ERA.sub("'พ.ศ.'", pattern)
    return _YEAR.sub(f"'{year + BE_OFFSET}'", pattern)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_date_local(
    value: date | datetime, length: str = "medium", locale: str | None = None, buddhist: bool | None = None
) -> str:
    """A date in `locale` (default the request's), in the Buddhist Era when asked or by Thai default."""
    loc = Locale.parse(locale or str(get_locale() or "en"))
    if isinstance(value, datetime):
        value = _aware(value).astimezone(get_timezone())
    day = value.date() if isinstance(value, datetime) else value
    pattern = get_date_format(length, locale=loc).pattern
    if _era(loc, buddhist, explicit=locale is not None):
        pattern = _buddhist_pattern(pattern, day.year)
    return format_datetime(datetime(day.year, day.month, day.day), pattern, locale=loc)


def format_datetime_local(
    value: datetime, length: str = "medium", locale: str | None = None, buddhist: bool | None = None
) -> str:
    """A moment in the reader's time zone and language: the locale's date and time joined its own way."""
    loc = Locale.parse(locale or str(get_locale() or "en"))
    moment = _aware(value).astimezone(get_timezone())
    date_part = format_date_local(moment, length, locale, buddhist)
    time_part = format_datetime(moment, babel_time_format("short", locale=loc).pattern, locale=loc)
    joined = get_datetime_format(length, locale=loc)
    return joined.replace("{1}", date_part).replace("{0}", time_part)


def format_relative(value: datetime, now: datetime | None = None, locale: str | None = None) -> str:
    """ "3 minutes ago" / "in 2 hours" in the reader's language."""
    loc = locale or str(get_locale() or "en")
    delta: timedelta = _aware(value) - (now or datetime.now(UTC))
    return format_timedelta(delta, add_direction=True, locale=loc, threshold=1.0)


def format_number(value: float | int | Decimal, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or str(get_locale() or "en"))


def format_money(value: float | int | Decimal, currency: str, locale: str | None = None) -> str:
    return format_currency(value, currency, locale=locale or str(get_locale() or "en"))


def _era(loc: Locale, buddhist: bool | None, explicit: bool = False) -> bool:
    """Asked for, else the reader's choice for their own language, else the language's custom."""
    if buddhist is not None:
        return buddhist
    if explicit:  # another language than the reader's (a customer's survey, say): that language's custom
        return loc.language == "th"
    try:
        from web.i18n import chosen

        return chosen().buddhist_era
    except RuntimeError:  # no request: the language's own default
        return loc.language == "th"


def register(app: Flask) -> None:
    """Jinja filters: `{{ when|datetime }}`, `{{ when|date }}`, `{{ when|ago }}`, `{{ n|number }}`,
    `{{ amount|money("THB") }}`."""
    filters: dict[str, Any] = {
        "datetime": format_datetime_local,
        "date": format_date_local,
        "ago": format_relative,
        "number": format_number,
        "money": format_money,
    }
    app.jinja_env.filters.update(filters)
