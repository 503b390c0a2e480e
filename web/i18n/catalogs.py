"""Catalogues: the parts files of each locale merged into one, compiled for Babel (.mo) and the browser (JSON).

Translations live per concern in `parts/<concern>.<locale>.po` so branches that add strings never edit the
same file; what Flask-Babel and the browser read is built from them into `build/` (not committed): by
`make i18n` / the install, and again by the app when a part is newer than what was built, so a clean clone
that only runs `make test` (or a translator who edits a part and reloads) never sees stale text.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

HERE = Path(__file__).resolve().parent
PARTS = HERE / "parts"
BUILD = HERE / "build"
DOMAIN = "messages"

#: The locales Murmur ships besides English (the source language of every msgid).
TRANSLATED: tuple[str, ...] = ("zh_Hant_TW", "zh_Hans_CN", "th_TH")

#: CLDR's order of plural categories; with Intl.PluralRules the browser maps a category to a gettext index.
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@dataclass(frozen=True)
class Built:
    """What one locale's build produced: the JSON's content hash goes into its URL for a long cache."""

    locale: str
    json_path: Path
    digest: str


def part_files(locale: str, parts: Path = PARTS) -> list[Path]:
    return sorted(parts.glob(f"*.{locale}.po"))


def merge(locale: str, parts: Path = PARTS) -> Catalog:
    """One catalogue from every part of `locale`; a msgid translated in two parts keeps the first (by file
    name) that is translated and not fuzzy, so a later part cannot silently blank an earlier one."""
    merged = Catalog(locale=Locale.parse(locale), domain=DOMAIN, fuzzy=False)
    for path in part_files(locale, parts):
        with path.open("rb") as fh:
            part = read_po(fh, locale=locale)
        for message in part:
            if not message.id:
                continue
            have = merged.get(message.id, message.context)
            if have is not None and _done(have):
                continue
            if have is not None:
                del merged[message.id if message.context is None else (message.id, message.context)]
            merged.add(
                message.id,
                message.string,
                context=message.context,
                flags=message.flags,
                auto_comments=message.auto_comments,
            )
    return merged


def _done(message: object) -> bool:
    string = getattr(message, "string", "")
    filled = all(string) if isinstance(string, tuple | list) else bool(string)
    return filled and not getattr(message, "fuzzy", False)


def plural_categories(locale: str) -> list[str]:
    """The CLDR categories of `locale` in gettext index order (English: one, other; Chinese, Thai: other)."""
    tags = Locale.parse(locale).plural_form.tags | {"other"}
    return [tag for tag in _CLDR_ORDER if tag in tags]


def browser_catalog(catalog: Catalog) -> dict:
    """msgid -> text (or list of plural texts) for `t()`/`nt()`; fuzzy and empty entries are left out so the
    browser falls back to English exactly as gettext does on the server."""
    messages: dict[str, object] = {}
    for message in catalog:
        if not message.id or not _done(message):
            continue
        if isinstance(message.id, tuple | list):
            messages[message.id[0]] = list(message.string)
        else:
            messages[message.id] = message.string
    return {
        "locale": str(catalog.locale),
        "plural": plural_categories(str(catalog.locale)),
        "messages": messages,
    }


def build(locale: str, parts: Path = PARTS, out: Path = BUILD) -> Built:
    """Merge, then write `<out>/<locale>/LC_MESSAGES/messages.{po,mo}` and `<out>/<locale>.json`."""
    from babel.messages.pofile import write_po

    catalog = merge(locale, parts)
    target = out / locale / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    _atomic(target / f"{DOMAIN}.po", lambda fh: write_po(fh, catalog, omit_header=False, sort_output=True))
    _atomic(target / f"{DOMAIN}.mo", lambda fh: write_mo(fh, catalog, use_fuzzy=False))
    data = json.dumps(browser_catalog(catalog), ensure_ascii=False, sort_keys=True).encode()
    json_path = out / f"{locale}.json"
    _atomic(json_path, lambda fh: fh.write(data))
    return Built(locale, json_path, hashlib.sha256(data).hexdigest()[:12])


def _atomic(path: Path, write: object) -> None:
    """Write through a temporary file and rename, so a second process building at once never reads half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        write(fh)  # type: ignore[operator]
    tmp.replace(path)


def stale(locale: str, parts: Path = PARTS, out: Path = BUILD) -> bool:
    built = [out / locale / "LC_MESSAGES" / f"{DOMAIN}.mo", out / f"{locale}.json"]
    if not all(p.exists() for p in built):
        return True
    newest = max((p.stat().st_mtime for p in part_files(locale, parts)), default=0.0)
    return newest > min(p.stat().st_mtime for p in built) or Path(__file__).stat().st_mtime > min(
        p.stat().st_mtime for p in built
    )


def ensure_built(parts: Path = PARTS, out: Path = BUILD) -> dict[str, Built]:
    """Build each locale whose parts changed since its last build; return every locale's JSON and hash."""
    result: dict[str, Built] = {}
    for locale in TRANSLATED:
        if stale(locale, parts, out):
            result[locale] = build(locale, parts, out)
        else:
            json_path = out / f"{locale}.json"
            result[locale] = Built(locale, json_path, hashlib.sha256(json_path.read_bytes()).hexdigest()[:12])
    return result
