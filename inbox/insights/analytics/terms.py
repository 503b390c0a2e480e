"""Rising terms and hashtags: cheap multilingual tokens, recent vs baseline.

Tokenizing (`tokenize`), after NFKC normalisation and case folding:

- URLs and @mentions are dropped (handles are people, not topics; a mention
  storm is better seen in the author figures).
- ``#hashtags`` are kept whole, with their ``#``, in any script; a tag made of
  digits only (``#1``) is dropped.
- Words in space-separated scripts (Latin, Cyrillic, Greek, Arabic, Hangul,
  ...) are kept when at least `min_word_length` letters long and not an
  English stopword; digits are dropped.
- Chinese runs, which have no spaces, are cut into words by the sentiment
  package's segmenter (`sentiment.zh_segment`, jieba's dictionary and HMM:
  "退款很慢" -> 退款, 很慢); words of one character are dropped as too ambiguous.
  Kana-only (Japanese) runs become overlapping character bigrams.
- Thai runs, also unspaced, are cut into words by PyThaiNLP's `newmm`
  (dictionary maximal matching over Thai character clusters): "แบตบวมมาก" ->
  แบต, บวม; one-letter pieces and PyThaiNLP's Thai stopwords are dropped.
  A brand manager reads whole words ("แบต", "充电"), not fragments that straddle
  two words, which is what the former character n-grams showed.

Limits: no stemming ("refund" and "refunds" are two terms); stopwords for
English and Thai only; a word missing from the dictionaries is cut by the
segmenters' fallbacks (HMM for Chinese, character clusters for Thai).

Rising (`rising_terms`): each term is counted once per text (document
frequency, so one author repeating a word fifty times counts once). With
``rc`` of ``Nr`` recent texts and ``bc`` of ``Nb`` baseline texts containing
the term and additive smoothing ``a``, the expected recent count is
``E = Nr * (bc + a) / (Nb + a)`` and the score is ``(rc - E) / sqrt(E)``, a
Poisson z-like surprise that balances "much more often" against "often at
all". Terms need ``rc >= min_count`` and ``rc / E >= min_ratio``. With an
empty baseline nothing can be said to rise, and nothing is returned.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from sentiment import zh_segment

_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_THAI = "\u0e00-\u0e7f"
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ALL_CJK = re.compile(f"[{_CJK}]+")
_TOKEN = re.compile(
    rf"(?P<url>(?:https?://|www\.)\S+)"
    rf"|(?P<mention>@[\w.]+)"
    rf"|(?P<tag>#[\w{_THAI}\u0300-\u036f]+)"
    rf"|(?P<cjk>[{_CJK}]+)"
    rf"|(?P<thai>[{_THAI}]+)"
    rf"|(?P<word>[^\W\d_{_CJK}{_THAI}]+(?:['’][^\W\d_{_CJK}{_THAI}]+)*)"
)

_STOPWORD_TEXT = """
    a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's
    her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it
    it's its itself let's me more most mustn't my myself no nor not of off on once only or other ought
    our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such
    than that that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we we'd we'll we're we've
    were weren't what what's when when's where where's which while who who's whom why why's will with
    won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    im dont cant wont didnt doesnt isnt ive youre thats its also just get got like one really still
    now even would much many well yes yeah hey hi hello please thanks thank amp via rt
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _graphemes(run: str) -> list[str]:
    units: list[str] = []
    for ch in run:
        if units and unicodedata.category(ch) == "Mn":
            units[-1] += ch
        else:
            units.append(ch)
    return units


def _ngrams(units: list[str], n: int) -> list[str]:
    if len(units) < n:
        return ["".join(units)] if len(units) >= 2 else []
    return ["".join(units[i : i + n]) for i in range(len(units) - n + 1)]


@cache
def _thai_stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords  # loads its word list on first use, not at import

    return frozenset(thai_stopwords())


def _thai_words(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    stop = _thai_stopwords()
    return [
        w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if len(w) >= 2 and w not in stop
    ]


def _cjk_words(run: str) -> list[str]:
    if not _HAN.search(run):
        return _ngrams(list(run), 2)  # kana only: no segmenter here, bigrams as before
    return [w for w in zh_segment.cut(run) if len(w) >= 2 and _ALL_CJK.fullmatch(w)]


def tokenize(text: str, min_word_length: int = 3) -> list[str]:
    """The terms of one text, in order, by the rules in the module docstring."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        tok = m.group()
        if kind == "tag":
            if not tok[1:].isdigit():
                out.append(tok)
        elif kind == "cjk":
            out.extend(_cjk_words(tok))
        elif kind == "thai":
            out.extend(_thai_words(tok))
        elif kind == "word" and len(tok) >= min_word_length and tok not in STOPWORDS:
            out.append(tok)
    return out


def term_counts(texts: Iterable[str], min_word_length: int = 3) -> tuple[Counter[str], int]:
    """How many texts contain each term, and how many texts there were."""
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        counts.update(set(tokenize(text, min_word_length)))
    return counts, n


@dataclass(frozen=True)
class RisingTerm:
    term: str
    recent_count: int
    baseline_count: int
    expected: float
    ratio: float
    score: float

    @property
    def is_hashtag(self) -> bool:
        return self.term.startswith("#")


def rising_terms(
    recent: Iterable[str],
    baseline: Iterable[str],
    top: int = 20,
    min_count: int = 3,
    min_ratio: float = 2.0,
    smoothing: float = 1.0,
    min_word_length: int = 3,
) -> list[RisingTerm]:
    """The `top` terms most over-represented in `recent` texts against `baseline` texts.

    Sorted by score, then recent count, then term, so equal inputs give
    equal output.
    """
    recent_counts, n_recent = term_counts(recent, min_word_length)
    baseline_counts, n_base = term_counts(baseline, min_word_length)
    return rising_from_counts(
        recent_counts, n_recent, baseline_counts, n_base, top, min_count, min_ratio, smoothing
    )


def rising_from_counts(
    recent_counts: Mapping[str, int],
    n_recent: int,
    baseline_counts: Mapping[str, int],
    n_base: int,
    top: int = 20,
    min_count: int = 3,
    min_ratio: float = 2.0,
    smoothing: float = 1.0,
) -> list[RisingTerm]:
    """`rising_terms` from document frequencies already counted (`term_counts`, or rollups kept
    per day): only terms with at least `min_count` recent texts are looked up in the baseline."""
    if smoothing <= 0:
        raise ValueError("smoothing must be positive")
    if n_base == 0 or n_recent == 0:
        return []
    found = []
    for term, rc in recent_counts.items():
        if rc < min_count:
            continue
        bc = baseline_counts.get(term, 0)
        expected = n_recent * (bc + smoothing) / (n_base + smoothing)
        ratio = rc / expected
        if ratio < min_ratio:
            continue
        found.append(RisingTerm(term, rc, bc, expected, ratio, (rc - expected) / math.sqrt(expected)))
    found.sort(key=lambda t: (-t.score, -t.recent_count, t.term))
    return found[:top]
