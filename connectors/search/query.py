"""A listening stream's saved query, and the local check every found post must pass.

Networks' search is loose (stemming, fuzzy matches, hashtags matched inside words, no
exclusions on some), so each post a search API returns is checked here again before it is
stored: at least one keyword, hashtag or phrase must occur, no exclusion may occur, and the
post's language must be one of the stream's when it names any. Chinese, Japanese and Thai are
written without spaces between words, so a term in those scripts matches anywhere in the text
(as search does, docs/search.md); other terms match whole words only ("acme" is not in
"acmeville"), case-insensitively after Unicode NFKC folding.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from connectors.errors import PayloadError

TAGS = ("brand", "product", "competitor")
MAX_TERMS = 25
MAX_TERM_LEN = 100
# Scripts written without spaces between words: a term in them matches as a substring.
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # kana, CJK
)


def fold(text: str) -> str:
    """NFKC, case-folded, runs of whitespace made one space: the form terms and posts are compared in."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _pattern(term: str) -> re.Pattern[str]:
    """A whole-word pattern for spaced scripts; a plain substring for unspaced ones."""
    escaped = re.escape(term)
    if _UNSPACED.search(term):
        return re.compile(escaped)
    return re.compile(rf"(?<![\w#@]){escaped}(?!\w)")


def _clean(values: Any, field: str, strip: str = "") -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [v for v in re.split(r"[,\n]", values)]
    if not isinstance(values, list | tuple):
        raise PayloadError(field, "must be a list of strings")
    out: dict[str, str] = {}
    for v in values:
        if not isinstance(v, str):
            raise PayloadError(field, "must be a list of strings")
        v = " ".join(v.split()).lstrip(strip)
        if not v:
            continue
        if len(v) > MAX_TERM_LEN:
            raise PayloadError(field, f"each entry must be at most {MAX_TERM_LEN} characters")
        out.setdefault(fold(v), v)
    if len(out) > MAX_TERMS:
        raise PayloadError(field, f"at most {MAX_TERMS} entries")
    return tuple(out.values())


def primary_language(code: str | None) -> str:
    """ "zh-TW" -> "zh", "th_TH" -> "th"; "" when unknown."""
    return re.split(r"[-_]", (code or "").strip().lower())[0]


@dataclass(frozen=True)
class StreamQuery:
    """Keywords, hashtags (without "#"), phrases, exclusions and languages (ISO 639-1)."""

    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StreamQuery:
        """Validate a query as a form or the API sends it; PayloadError names the bad field."""
        if not isinstance(d, Mapping):
            raise PayloadError("query", "must be an object")
        langs = tuple(
            dict.fromkeys(primary_language(v) for v in _clean(d.get("languages"), "query.languages"))
        )
        for lang in langs:
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise PayloadError("query.languages", f"{lang!r} is not a language code such as en, zh or th")
        q = cls(
            keywords=_clean(d.get("keywords"), "query.keywords"),
            hashtags=_clean(d.get("hashtags"), "query.hashtags", strip="#"),
            phrases=_clean(d.get("phrases"), "query.phrases"),
            exclusions=_clean(d.get("exclusions"), "query.exclusions"),
            languages=langs,
        )
        if not q.positive:
            raise PayloadError("query.keywords", "a stream needs at least one keyword, hashtag or phrase")
        return q

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-safe form, the same keys `from_dict` reads."""
        return {
            k: list(getattr(self, k)) for k in ("keywords", "hashtags", "phrases", "exclusions", "languages")
        }

    @property
    def positive(self) -> tuple[str, ...]:
        """Every term that can make a post match, hashtags with their "#"."""
        return (*self.keywords, *(f"#{h}" for h in self.hashtags), *self.phrases)

    @cached_property
    def _positive(self) -> tuple[re.Pattern[str], ...]:
        return tuple(_pattern(fold(t)) for t in self.positive)

    @cached_property
    def _negative(self) -> tuple[re.Pattern[str], ...]:
        return tuple(_pattern(fold(t)) for t in self.exclusions)

    def matched_terms(self, text: str) -> list[str]:
        """The stream's terms found in `text` (empty when none, or when an exclusion occurs)."""
        folded = fold(text)
        if any(p.search(folded) for p in self._negative):
            return []
        return [t for t, p in zip(self.positive, self._positive, strict=True) if p.search(folded)]

    def language_ok(self, language: str | None) -> bool:
        """True when the stream names no language, or the post's primary language is one of them."""
        return not self.languages or primary_language(language) in self.languages

    def matches(self, text: str, language: str | None) -> bool:
        """The whole local check: a term occurs, no exclusion does, the language is wanted."""
        return self.language_ok(language) and bool(self.matched_terms(text))

    # --- what each network's search is asked -----------------------------------------------
    def x_query(self) -> str:
        """X API v2 search syntax: (a OR "b c" OR #d) -e (lang:en OR lang:th), at most 512 chars."""
        pos = " OR ".join(_x_term(t) for t in self.positive)
        parts = [f"({pos})" if len(self.positive) > 1 else pos]
        parts += [f"-{_x_term(t)}" for t in self.exclusions]
        if self.languages:
            langs = " OR ".join(f"lang:{lang}" for lang in self.languages)
            parts.append(f"({langs})" if len(self.languages) > 1 else langs)
        parts.append("-is:retweet")
        return " ".join(parts)[:512]

    def reddit_query(self) -> str:
        """Reddit search syntax: a OR "b c" (exclusions are checked locally; NOT is unreliable)."""
        return " OR ".join(_x_term(t) for t in self.positive)

    def search_terms(self) -> list[str]:
        """One plain query per term, for APIs without OR (Mastodon, Bluesky)."""
        return [t for t in (*self.keywords, *self.phrases)]


def _x_term(term: str) -> str:
    return f'"{term}"' if " " in term else term


def unique(items: Iterable[str]) -> list[str]:
    """Order-keeping de-duplication (for building sources from a query)."""
    return list(dict.fromkeys(items))
