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


def gram_text(*texts: str | None) -> str:
    """The keys of several columns as one space-separated string (SQLite's FTS5 'ascii'
    tokenizer splits it on the spaces and keeps every non-ASCII character)."""
    keys: dict[str, None] = {}
    for t in texts:
        keys.update(dict.fromkeys(grams(t)))
    return " ".join(keys)


@dataclass(frozen=True)
class GramKey:
    """What to look up for a short term: `key` exactly, or any key starting with it."""

    key: str
    prefix: bool

    def fts5(self) -> str:
        """As an FTS5 query: a quoted string (never operators), '*' for a prefix."""
        return '"' + self.key.replace('"', '""') + '"' + ("*" if self.prefix else "")

    def tsquery(self) -> str:
        """As a PostgreSQL tsquery literal: a quoted lexeme, ':*' for a prefix."""
        quoted = "'" + self.key.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if self.prefix else "")


def gram_key(term: str) -> GramKey | None:
    """The lookup that finds every text containing `term`, or None when grams cannot serve it
    (a term longer than SHORT, or one without a character of these scripts)."""
    if len(term) > SHORT:
        return None
    if _RUN.fullmatch(term):
        return GramKey(term, prefix=len(term) == 1)
    first = _ONE.search(term)
    return GramKey(first.group(0), prefix=True) if first else None
