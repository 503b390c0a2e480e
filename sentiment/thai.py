"""Thai: a linear model over newmm words and neighbouring-word pairs (character n-grams optional).

Why words: Thai is written without spaces, and the old model (character 1-3-grams only) had
to learn from fragments; "ไม่ชอบ" and "ชอบ" share most of their grams. PyThaiNLP's newmm
segmenter (dictionary maximal matching, its word list is in the wheel, Apache-2.0, already a
dependency for the dashboard's terms) cuts a 90-character post in about 0.1 ms. The model
sees each word and each pair of neighbouring words ("ไม่|ชอบ", so negation is learnt); a block
of character 1-3-grams (for slang and misspellings the dictionary misses) is supported, and
used when a model ships weights for it. Which blocks, the regularisation and the class weights
are chosen by 4-fold cross-validation on the training rows (`scripts/train_sentiment.py`):
character grams added 0.002 macro-F1 for 40 % more time, so the shipped model has none.

Features are sets, each block l2-normalised on its own (a word block of n distinct words
gives each 1/sqrt(n)), so one message's sum is a scale times a sum of weights, added in C.
The weights ship as `sentiment/data/th_words.json.gz` and run in plain Python (`linear`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import chain, repeat
from operator import add
from typing import Any

from sentiment.linear import LinearModel, shipped, softmax

MODEL = "th_words"
MAX_CHARS = 2000  # longer posts add little signal and cost linear time
STRONG = 0.8  # a word whose weight moves positive-vs-negative this much may be named as a reason
_WHITESPACE = re.compile(r"\s+")
CHAR_PREFIX = "c:"  # character grams, kept apart from words of the same spelling
PAIR_SEP = "|"


@cache
def _segmenter() -> tuple[Any, Any]:
    """newmm's `segment` and PyThaiNLP's dictionary trie (the one the dashboard's terms use too),
    loaded once per process (~0.6 s the first time; `scoring.warm` pays it at start)."""
    from pythainlp.tokenize import word_dict_trie
    from pythainlp.tokenize.newmm import segment

    return segment, word_dict_trie()


def normalise(text: str) -> str:
    """Lower case, runs of whitespace as one space, at most MAX_CHARS characters."""
    return _WHITESPACE.sub(" ", text[:MAX_CHARS].lower())


def words(doc: str) -> list[str]:
    """newmm's words of a normalised text, without the spaces between them (safe mode: long
    ambiguous runs are cut in chunks, so a pathological post cannot take seconds)."""
    segment, trie = _segmenter()
    return [w for w in segment(doc, trie, safe_mode=True) if not w.isspace()]


def word_grams(tokens: list[str]) -> dict[str, None]:
    """Distinct words and neighbouring-word pairs, in text order (sums add in the same order)."""
    out = dict.fromkeys(tokens)
    out.update(dict.fromkeys(map(PAIR_SEP.join, zip(tokens, tokens[1:], strict=False))))
    return out


def char_grams(doc: str) -> dict[str, None]:
    """Distinct character 1-, 2- and 3-grams, prefixed, in text order."""
    bigrams = list(map(add, doc, doc[1:]))
    return dict.fromkeys(map(add, repeat(CHAR_PREFIX), chain(doc, bigrams, map(add, bigrams, doc[2:]))))


def features(text: str, chars: bool = True) -> dict[str, float]:
    """Every input with its value: each block's members at 1/sqrt(block size) (for training)."""
    doc = normalise(text)
    out: dict[str, float] = {}
    blocks = [word_grams(words(doc))]
    if chars:
        blocks.append(char_grams(doc))
    for block in blocks:
        if block:
            out.update(dict.fromkeys(block, 1.0 / math.sqrt(len(block))))
    return out


@dataclass(frozen=True)
class _Columns:
    """The weights as one dict per class (sums in C), the strong words, and the intercepts."""

    neg: dict[str, float]
    neu: dict[str, float]
    pos: dict[str, float]
    strong: frozenset[str]
    chars: bool
    model: LinearModel


@cache
def _columns() -> _Columns:
    model = shipped(MODEL)
    w = model.weights
    strong = frozenset(
        k for k, v in w.items() if not k.startswith(CHAR_PREFIX) and abs(v[2] - v[0]) >= STRONG
    )
    chars = any(k.startswith(CHAR_PREFIX) for k in w)
    return _Columns(
        {k: v[0] for k, v in w.items()},
        {k: v[1] for k, v in w.items()},
        {k: v[2] for k, v in w.items()},
        strong,
        chars,
        model,
    )


def _block_sums(cols: _Columns, block: dict[str, None]) -> tuple[float, float, float]:
    if not block:
        return 0.0, 0.0, 0.0
    scale = 1.0 / math.sqrt(len(block))
    zero = repeat(0.0)
    return (
        scale * sum(map(cols.neg.get, block, zero)),
        scale * sum(map(cols.neu.get, block, zero)),
        scale * sum(map(cols.pos.get, block, zero)),
    )


def analyse(text: str) -> tuple[tuple[float, float, float], tuple[tuple[str, float], ...]]:
    """P(neg), P(neu), P(pos), and the strongest words present with their log-odds (the reasons).

    Same arithmetic as `LinearModel.logits(features(text))`, one block at a time.
    """
    cols = _columns()
    doc = normalise(text)
    wg = word_grams(words(doc))
    a, b, c = cols.model.intercept
    for block in (wg, char_grams(doc)) if cols.chars else (wg,):
        da, db, dc = _block_sums(cols, block)
        a, b, c = a + da, b + db, c + dc
    p = softmax((a, b, c))
    scale = 1.0 / math.sqrt(len(wg)) if wg else 0.0
    pushed = sorted(
        ((k, (cols.pos[k] - cols.neg[k]) * scale) for k in cols.strong.intersection(wg)),
        key=lambda it: (-abs(it[1]), it[0]),
    )
    return p, tuple((k.replace(PAIR_SEP, " "), round(v, 2)) for k, v in pushed[:4] if abs(v) >= 0.15)


def knows(token: str) -> bool:
    """Whether the model has a weight for `token` as a word or a character gram (an emoji it
    learnt from the training rows, say); `scoring` adds the emoji table's value only otherwise."""
    w = _columns().model.weights
    return token in w or CHAR_PREFIX + token in w


def probabilities(text: str) -> tuple[float, float, float]:
    """P(neg), P(neu), P(pos) for Thai text."""
    return analyse(text)[0]
