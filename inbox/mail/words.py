"""The words of a mail in its reader's language, and its dates and numbers as they write them.

The inbox knows no Flask: the web layer gives `inbox.settings["translations"]`, a function from a
locale (th_TH) or a language tag (th, zh-Hant) to gettext translations, or nothing for English. Texts
here are `N_`-marked msgids, extracted with the rest. Dates follow the reader's locale with Babel, in
the Buddhist Era for Thai unless the reader switched it off, as the pages do.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as babel_datetime
from babel.dates import get_date_format
from babel.numbers import format_decimal

from inbox.store.context import Inbox

BE_OFFSET = 543  # the Buddhist Era counts from 543 BCE
_YEAR = re.compile(r"y+")
_ERA = re.compile(r"G+")


def buddhist_pattern(pattern: str, year: int) -> str:
    """A Babel date pattern with the Buddhist year (and era name, where it shows one) as literals:
    Babel formats only the Gregorian calendar."""
    return _YEAR.sub(f"'{year + BE_OFFSET}'", _ERA.sub("'พ.ศ.'", pattern))


@dataclass(frozen=True)
class Reader:
    """Whom a mail is for: their locale (en, th_TH...), time zone and calendar."""

    locale: str = "en"
    timezone: str = "UTC"
    buddhist_era: bool | None = None

    @property
    def tag(self) -> str:
        """The BCP 47 tag for Content-Language and <html lang>."""
        return self.locale.replace("_", "-")

    @property
    def babel(self) -> Locale:
        try:
            return Locale.parse(self.locale)
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")

    @property
    def era(self) -> bool:
        return self.buddhist_era if self.buddhist_era is not None else self.babel.language == "th"


_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
LOCALES = ("en", "zh_Hant_TW", "zh_Hans_CN", "th_TH")


def locale_of(language: str | None) -> str | None:
    """The interface locale for a language tag (th, zh-Hant, zh, en) or a locale (th_TH), or None."""
    if language in LOCALES:
        return language
    tag = (language or "").lower().replace("_", "-")
    if not tag:
        return None
    if tag.startswith(_TRADITIONAL):
        return "zh_Hant_TW"
    return {"th": "th_TH", "zh": "zh_Hans_CN", "en": "en"}.get(tag.split("-")[0])


def translations(inbox: Inbox, locale: str | None) -> gettext.NullTranslations:
    """gettext translations for `locale` (or a language tag), English (the msgids) when there are none."""
    find = inbox.settings.get("translations")
    found = find(locale) if find is not None and locale else None
    return found or gettext.NullTranslations()


def say(tr: gettext.NullTranslations, msgid: str, **values: Any) -> str:
    """`msgid` translated, then filled with `values` (a translation that does not fit stays English)."""
    text = tr.gettext(msgid)
    try:
        return text % values if values else text
    except (KeyError, ValueError, TypeError):
        return msgid % values if values else msgid


def date_text(value: date | datetime, reader: Reader, length: str = "long") -> str:
    """A date as the reader writes it (7 ธันวาคม พ.ศ. 2569, 2026年12月7日), in their time zone."""
    loc = reader.babel
    if isinstance(value, datetime):
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(reader.timezone)).date()
    pattern = get_date_format(length, locale=loc).pattern
    if reader.era:
        pattern = buddhist_pattern(pattern, value.year)
    return babel_datetime(datetime(value.year, value.month, value.day), pattern, locale=loc)


def number_text(value: float | int | Decimal, reader: Reader) -> str:
    """A number with the reader's grouping and decimal signs."""
    return format_decimal(value, locale=reader.babel)


def period_text(tr: gettext.NullTranslations, seconds: int) -> str:
    """5 minutes / 5 分鐘 / 5 นาที: an alert's period with the reader's plural forms (the same msgids
    as the pages' `nt()`)."""
    from inbox.insights.alert_sentence import period_parts

    n, unit = period_parts(seconds)
    if unit == "day":
        return tr.ngettext("{n} day", "{n} days", n).format(n=n)
    if unit == "hour":
        return tr.ngettext("{n} hour", "{n} hours", n).format(n=n)
    return tr.ngettext("{n} minute", "{n} minutes", n).format(n=n)


def alert_text(tr: gettext.NullTranslations, said: dict[str, Any]) -> str:
    """An alert's sentence (`inbox.insights.alert_sentence`) in the reader's language."""
    template, args = said.get("template"), dict(said.get("args") or {})
    if not template:
        return str(said.get("sentence", ""))
    if isinstance(args.get("seconds"), int):
        args["period"] = period_text(tr, args["seconds"])
    if args.get("where_is_msgid"):
        args["where"] = tr.gettext(str(args["where"]))
    try:
        return tr.gettext(template).format(**args)
    except (KeyError, IndexError, ValueError):
        return str(said.get("sentence", ""))
