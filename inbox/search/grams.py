"""Index keys for one- and two-character terms in scripts written without spaces.

Chinese, Japanese, Korean, Thai, Lao, Khmer and Burmese do not separate words, and their words
are often one or two characters long (退款, 好, ดี), below what a trigram index can look up. For
each run of such characters a text is indexed under every two-character slice of the run and,
at the run's end, its last character alone (`grams`). Every occurrence of a character X is then
the start of one indexed key, so "X" is the prefix lookup `X*` and "XY" (both in a run) is the
key `XY` itself. A short term mixing scripts ("A退") looks up its first run character as a
prefix. The keys only select candidates; the caller checks each candidate's text with LIKE, so
results are exact.

The PostgreSQL twin of `grams` is the SQL function `murmur_grams` (migration 0009), with the
same character class; a test holds them to the same keys.

Latin letters and digits (ASCII, folded to lower case) are keyed the same way in runs of their
own (`latin_grams`, migration 0012_hotreads): a one- or two-character Latin term ("ok", "7")
had no index on either database, and a rare one walked every message back to the first. On
SQLite both kinds of keys share the `<table>_grams` tables (a Latin key is ASCII, a Chinese or
Thai one is not, so they never collide); on PostgreSQL they have their own function,
`murmur_latin_grams`, and GIN indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Thai, Lao, Burmese, Khmer, kana, CJK (extension A, unified, compatibility, planes 2),
# Hangul syllables. Keep in step with RUN_CLASS_PG in migration 0009.
RUN_CLASS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"
)
_RUN = re.compile(f"[{RUN_CLASS}]+")
_ONE = re.compile(f"[{RUN_CLASS}]")
LATIN_CLASS = "0-9A-Za-z"  # keep in step with murmur_latin_grams in migration 0012_hotreads
_LATIN_RUN = re.compile(f"[{LATIN_CLASS}]+")
_LATIN_ONE = re.compile(f"[{LATIN_CLASS}]")
SHORT = 2  # longest term answered from grams; longer ones use the trigram index


def grams(text: str | None) -> list[str]:
    """The distinct keys `text` is indexed under (empty for text without such scripts)."""
    if not text:
        return []
    out: dict[str, None] = {}
    for m in _RUN.finditer(text):
        run = m.group(0)
        for i in range(len(run)):
            out[run[i : i + 2]] = None
    return list(out)


def latin_grams(text: str | None) -> list[str]:
    """The distinct keys of `text`'s runs of ASCII letters and digits, lower-cased: every
    two-character slice of a run and its last character."""
    if not text:
        return []
    out: dict[str, None] = {}
    for m in _LATIN_RUN.finditer(text):
        run = m.group(0).lower()
        for i in range(len(run)):
            out[run[i : i + 2]] = None
    return list(out)


def gram_text(*texts: str | None) -> str:
    """The keys of several columns, both kinds, as one space-separated string (SQLite's FTS5
    'ascii' tokenizer splits it on the spaces and keeps every non-ASCII character)."""
    keys: dict[str, None] = {}
    for t in texts:
        keys.update(dict.fromkeys(grams(t)))
        keys.update(dict.fromkeys(latin_grams(t)))
    return " ".join(keys)


@dataclass(frozen=True)
class GramKey:
    """What to look up for a short term: `key` exactly, or any key starting with it."""

    key: str
    prefix: bool
    latin: bool = False  # a key of `latin_grams` (PostgreSQL: murmur_latin_grams)

    def fts5(self) -> str:
        """As an FTS5 query: a quoted string (never operators), '*' for a prefix."""
        return '"' + self.key.replace('"', '""') + '"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        """As a PostgreSQL tsquery literal: a quoted lexeme, ':*' for a prefix."""
        quoted = "'" + self.key.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if self.prefix else "")


def gram_key(term: str) -> GramKey | None:
    """The lookup that finds every text containing `term`, or None when grams cannot serve it
    (a term longer than SHORT, or one without a character of these scripts nor a Latin letter
    or digit: "%", "é")."""
    if len(term) > SHORT:
        return None
    if _RUN.fullmatch(term):
        return GramKey(term, prefix=len(term) == 1)
    first = _ONE.search(term)
    if first:
        return GramKey(first.group(0), prefix=True)
    if _LATIN_RUN.fullmatch(term):
        return GramKey(term.lower(), prefix=len(term) == 1, latin=True)
    first = _LATIN_ONE.search(term)
    return GramKey(first.group(0).lower(), prefix=True, latin=True) if first else None
