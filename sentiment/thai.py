"""Thai: a linear model over newmm words, neighbouring-word pairs and negated words, TF-IDF weighted.

Why words: Thai is written without spaces, and a character-gram model has to learn from
fragments; "ไม่ชอบ" and "ชอบ" share most of their grams. PyThaiNLP's newmm segmenter (dictionary
maximal matching, its word list is in the wheel, Apache-2.0, already a dependency for the
dashboard's terms) gives the words; `th_segment` runs its algorithm compiled, ~0.2 ms for a
90-character post. The model sees each word, each pair of neighbouring words ("ไม่|ชอบ"), and
the word(s) after a negator marked as negated ("!ชอบ" for "ไม่ค่อยชอบ" as for "ไม่ชอบ"), so
negation is learnt once for every negator; a block of character 1-3-grams (slang and
misspellings the dictionary misses) is used when a model ships weights for it. Which blocks, the
negation scope, the regularisation and whether to weigh by idf are chosen by 4-fold
cross-validation on the training rows (`scripts/sentiment_train/thai.py`).

Features are sets, each block l2-normalised on its own. With idf a member's value is its idf
over the block's norm sqrt(sum of idf²): the model stores each feature's weights already
multiplied by its idf and each feature's idf² (`_Columns.rows`, one tuple per feature), so one
message costs one pass over each block, one look-up a member (`_sums`). Features the training
rows never had are left out of the norm as scikit-learn's TF-IDF leaves them out. Weights ship
as `sentiment/data/th_words.json.gz`.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, repeat
from operator import add
from typing import Any

from sentiment.linear import LinearModel, load_payload, softmax
from sentiment.th_segment import segment

MODEL = "th_words"
MAX_CHARS = 2000  # longer posts add little signal and cost linear time
STRONG = 0.8  # a feature whose folded weight moves positive-vs-negative this much may be a reason
_WHITESPACE = re.compile(r"\s+")
# Pictographs and dingbats, one token each: newmm keeps "😡😡" as one unknown token otherwise,
# and a model that learnt 😡 would not see it in a run of two.
_PICTOGRAPH = re.compile("([\u2600-\u27bf\U0001f000-\U0001faff])")
CHAR_PREFIX = "c:"  # character grams, kept apart from words of the same spelling
PAIR_SEP = "|"
NEGATED = "!"  # a word in a negator's scope: "!ชอบ"
# Negators as newmm cuts them (PyThaiNLP's negations_th.txt lists ไม่ alone; its dictionary
# also keeps these as single words, so "ไม่ค่อยดี" would otherwise never mark "ดี").
NEGATORS = frozenset(("ไม่", "ไม่ได้", "ไม่มี", "ไม่ค่อย", "ไม่เคย", "ไม่ต้อง", "ไม่เป็น", "ไม่ใช่", "มิ"))


def normalise(text: str) -> str:
    """Lower case, emoji apart, runs of whitespace as one space, at most MAX_CHARS characters."""
    return _WHITESPACE.sub(" ", _PICTOGRAPH.sub(r" \1 ", text[:MAX_CHARS].lower())).strip()


def words(doc: str) -> list[str]:
    """newmm's words of a normalised text, without the spaces between them (safe mode: long
    ambiguous runs are cut in chunks, so a pathological post cannot take seconds). The words are
    PyThaiNLP's newmm's, cut by `th_segment` (the same algorithm, compiled with the scorers)."""
    return [w for w in segment(doc) if not w.isspace()]


def word_grams(tokens: list[str], negation: int = 0) -> dict[str, None]:
    """Distinct words, neighbouring-word pairs and (scope `negation`) negated words, in text order."""
    out = dict.fromkeys(tokens)
    out.update(dict.fromkeys(map(PAIR_SEP.join, zip(tokens, tokens[1:], strict=False))))
    if negation:
        for i, token in enumerate(tokens):
            if token in NEGATORS:
                out.update(dict.fromkeys([NEGATED + w for w in tokens[i + 1 : i + 1 + negation]]))
    return out


def char_grams(doc: str) -> dict[str, None]:
    """Distinct character 1-, 2- and 3-grams, prefixed, in text order."""
    bigrams = list(map(add, doc, doc[1:]))
    return dict.fromkeys(map(add, repeat(CHAR_PREFIX), chain(doc, bigrams, map(add, bigrams, doc[2:]))))


def blocks(text: str, chars: bool = True, negation: int = 0) -> list[dict[str, None]]:
    """The feature blocks of `text`: words (+ pairs, + negated words), then character grams."""
    doc = normalise(text)
    out = [word_grams(words(doc), negation)]
    if chars:
        out.append(char_grams(doc))
    return out


def features(
    text: str, chars: bool = True, negation: int = 0, idf: dict[str, float] | None = None
) -> dict[str, float]:
    """Every input with its value (the training definition): each block l2-normalised, a member
    worth its idf (1 without idf) over the block's norm; without idf unknown names count too."""
    out: dict[str, float] = {}
    for block in blocks(text, chars, negation):
        values = dict.fromkeys(block, 1.0) if idf is None else {k: idf[k] for k in block if k in idf}
        if values:
            norm = math.sqrt(sum(v * v for v in values.values()))
            out.update({k: v / norm for k, v in values.items()})
    return out


@dataclass(frozen=True)
class _Columns:
    """Weights times idf as one dict per class (sums in C), idf² per feature (None: no idf),
    the strong features, the blocks' settings and the model."""

    neg: dict[str, float]
    neu: dict[str, float]
    pos: dict[str, float]
    sq: dict[str, float] | None
    # Per feature (idf² or 0, neg, neu, pos): one look-up a member instead of four (`_sums`).
    rows: dict[str, tuple[float, float, float, float]]
    strong: frozenset[str]
    chars: bool
    negation: int
    model: LinearModel
    idf: dict[str, float] | None


def _payload() -> dict[str, Any]:
    raw = resources.files("sentiment").joinpath(f"data/{MODEL}.json.gz").read_bytes()
    payload: dict[str, Any] = json.loads(gzip.decompress(raw).decode("utf-8"))
    return payload


@cache
def _columns() -> _Columns:
    payload = _payload()
    model = load_payload(payload)
    raw_idf = payload.get("idf")
    idf = {str(k): float(v) for k, v in raw_idf.items()} if isinstance(raw_idf, dict) else None
    w = model.weights
    f = {k: (idf.get(k, 0.0) if idf is not None else 1.0) for k in w}
    neg = {k: v[0] * f[k] for k, v in w.items()}
    pos = {k: v[2] * f[k] for k, v in w.items()}
    strong = frozenset(k for k in w if not k.startswith(CHAR_PREFIX) and abs(pos[k] - neg[k]) >= STRONG)
    negation = model.meta.get("negation", 0)
    neu = {k: v[1] * f[k] for k, v in w.items()}
    sq = {k: v * v for k, v in idf.items()} if idf is not None else None
    rows = {
        k: ((sq or {}).get(k, 0.0), neg.get(k, 0.0), neu.get(k, 0.0), pos.get(k, 0.0))
        for k in dict.fromkeys([*w, *(sq or {})])
    }
    return _Columns(
        neg,
        neu,
        pos,
        sq,
        rows,
        strong,
        any(k.startswith(CHAR_PREFIX) for k in w),
        negation if isinstance(negation, int) else 0,
        model,
        idf,
    )


def _shown(key: str) -> str:
    """A feature as an agent reads it: "ไม่ ชอบ" for the pair and for the negated word alike."""
    return "ไม่ " + key[1:] if key.startswith(NEGATED) else key.replace(PAIR_SEP, " ")


def _sums(cols: _Columns, block: dict[str, None]) -> tuple[float, float, float, float]:
    """`_scale` and `_block_sums` of one block in a single pass: (scale, neg, neu, pos).

    Same additions in the same order as the four `sum(map(d.get, block, zero))` (a member the
    model lacks adds 0.0 to each), so the floats are identical; one dict look-up a member
    instead of four (the word model's tables are large, and each look-up was a cache miss)."""
    if not block:
        return 0.0, 0.0, 0.0, 0.0
    rows = cols.rows
    t_sq = t_a = t_b = t_c = 0.0
    for k in block:
        r = rows.get(k)
        if r is None:
            t_sq += 0.0
            t_a += 0.0
            t_b += 0.0
            t_c += 0.0
        else:
            t_sq += r[0]
            t_a += r[1]
            t_b += r[2]
            t_c += r[3]
    norm_sq = float(len(block)) if cols.sq is None else t_sq  # without idf every member counts 1
    scale = 1.0 / math.sqrt(norm_sq) if norm_sq > 0.0 else 0.0
    if scale == 0.0:
        return 0.0, 0.0, 0.0, 0.0
    return scale, scale * t_a, scale * t_b, scale * t_c


def analyse(text: str) -> tuple[tuple[float, float, float], tuple[tuple[str, float], ...]]:
    """P(neg), P(neu), P(pos), and the strongest words present with their log-odds (the reasons).

    Same arithmetic as `LinearModel.logits(features(text, ...))`, one block at a time.
    """
    cols = _columns()
    doc = normalise(text)
    wg = word_grams(words(doc), cols.negation)
    a, b, c = cols.model.intercept
    word_scale, da, db, dc = _sums(cols, wg)
    a, b, c = a + da, b + db, c + dc
    if cols.chars:
        _, da, db, dc = _sums(cols, char_grams(doc))
        a, b, c = a + da, b + db, c + dc
    p = softmax((a, b, c))
    pushed = sorted(
        ((k, (cols.pos[k] - cols.neg[k]) * word_scale) for k in cols.strong.intersection(wg)),
        key=lambda it: (-abs(it[1]), it[0]),
    )
    return p, tuple((_shown(k), round(v, 2)) for k, v in pushed[:4] if abs(v) >= 0.15)


def knows(token: str) -> bool:
    """Whether the model has a weight for `token` as a word or a character gram (an emoji it
    learnt from the training rows, say); `scoring` adds the emoji table's value only otherwise."""
    w = _columns().model.weights
    return token in w or CHAR_PREFIX + token in w


def probabilities(text: str) -> tuple[float, float, float]:
    """P(neg), P(neu), P(pos) for Thai text."""
    return analyse(text)[0]
