"""Chinese without word segmentation: a linear model over character unigrams and bigrams.

Why: segmenting with jieba's dictionary and HMM was 80 % of the Chinese path's time
(about 3,000 texts/s at 50 characters) and its words were only as good as pysenti's
2015-era lexicon. Character bigrams carry most of what words carry in Chinese sentiment
("不错", "失望", "太慢", "退款"), need no dictionary, and a set of ~100 grams for a
50-character text is one dict lookup each: well over 5,000 texts/s in plain Python.
Traditional text is mapped to Simplified character by character first (OpenCC's table,
`language.to_simplified`), so both scripts share one model; the model was also trained on
the OpenCC Traditional rows, so the characters that do not map one-to-one still count.

Dense inputs beside the grams: question and exclamation marks, and the hand-listed support
terms of `sentiment.cues` (退款, 投诉, 还没到 ...), because reviews and Weibo posts, the
bulk of the training rows, rarely speak like a support inbox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from operator import add

from sentiment.cues import term_items
from sentiment.linear import LinearModel, compound_of, shipped, softmax

MODEL = "zh_chargram"
STRONG = 1.0  # a gram whose weight moves positive-vs-negative this much may be named as a reason
MAX_CHARS = 600  # a review's first 600 characters carry its verdict; keeps the cost bounded
# The non-gram inputs' names: longer than any gram, so no text's gram can take one of them (a
# text may still make grams that start with "_", such as "_小": those are grams like any other).
DENSE = ("_terms", "_question", "_exclaim")
_SKIP = frozenset(" \t\r\n，。、！？,.!?：:；;…~～“”\"'（）()【】[]")


def grams(simplified: str) -> dict[str, None]:
    """Distinct character unigrams and bigrams (punctuation and spaces are not unigrams).

    A dict, not a set: its keys keep the text's order, so the weight sums add in the same
    order in every process (a set's order follows the per-process string hash seed).
    """
    text = simplified[:MAX_CHARS]
    out = dict.fromkeys(text)
    for ch in _SKIP.intersection(out):
        del out[ch]
    out.update(dict.fromkeys(map(add, text, text[1:])))
    return out


def dense(simplified: str) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """The few non-gram inputs, and the support terms found (for reasons)."""
    terms = term_items(simplified, "zh")
    value = sum(v for _, v in terms)
    f = {
        "_terms": math.tanh(value / 2.0),
        "_question": 1.0 if ("？" in simplified or "?" in simplified or "吗" in simplified) else 0.0,
        "_exclaim": 1.0 if ("！" in simplified or "!" in simplified) else 0.0,
    }
    return f, terms


def features(simplified: str) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """All inputs: each gram at 1/sqrt(count) (an l2-normalised set), plus `dense`."""
    g = grams(simplified)
    scale = 1.0 / math.sqrt(len(g)) if g else 0.0
    f = dict.fromkeys(g, scale)
    d, terms = dense(simplified)
    f.update(d)
    return f, terms


@dataclass(frozen=True)
class _Columns:
    """The model's gram weights as one dict per class, for sums done in C (`sum(map(get, ...))`),
    the grams strong enough to be named as reasons, and the dense weights and intercepts."""

    neg: dict[str, float]
    neu: dict[str, float]
    pos: dict[str, float]
    strong: frozenset[str]
    model: LinearModel


@cache
def _columns() -> _Columns:
    model = shipped(MODEL)
    grams = {k: w for k, w in model.weights.items() if k not in DENSE}
    strong = frozenset(k for k, w in grams.items() if abs(w[2] - w[0]) >= STRONG)
    return _Columns(
        {k: w[0] for k, w in grams.items()},
        {k: w[1] for k, w in grams.items()},
        {k: w[2] for k, w in grams.items()},
        strong,
        model,
    )


def score_simplified(simplified: str) -> tuple[float, tuple[tuple[str, float], ...], float]:
    """Compound on VADER's scale, reasons' items (strongest grams and terms), top probability.

    Same arithmetic as `LinearModel.logits(features(text))`: every gram has the value
    1/sqrt(n), so each class's sum is that scale times the sum of its gram weights.
    """
    cols = _columns()
    g = grams(simplified)
    scale = 1.0 / math.sqrt(len(g)) if g else 0.0
    zero = repeat(0.0)
    d, terms = dense(simplified)
    a, b, c = cols.model.logits(d)
    z = (
        a + scale * sum(map(cols.neg.get, g, zero)),
        b + scale * sum(map(cols.neu.get, g, zero)),
        c + scale * sum(map(cols.pos.get, g, zero)),
    )
    p = softmax(z)
    # Reasons: the strong grams present, as log-odds positive-vs-negative at this text's scale.
    pushed = sorted(
        ((k, (cols.pos[k] - cols.neg[k]) * scale) for k in cols.strong.intersection(g)),
        key=lambda it: (-abs(it[1]), it[0]),
    )
    items = [(k, round(v, 2)) for k, v in pushed[:4] if abs(v) >= 0.15]
    items.extend(terms)
    return compound_of(p), tuple(items), max(p)
