"""Thai: a char 1-3-gram logistic regression, shipped as coefficients, run in pure Python.

Why: no packaged Thai sentiment model installs and imports offline (the reference
notes §5: thai-sentiment needs an old scikit-learn and imports torch; pythainlp has
no sentiment function; a word lexicon scored below the majority baseline). Char
n-grams need no word segmentation, which Thai (written without spaces) would
otherwise require. `scripts/train_thai_charngram.py` trains the model on CC0
wisesight data; inference here reproduces scikit-learn's TfidfVectorizer
(char analyzer, sublinear tf, l2 norm) and multinomial softmax without numpy.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain
from operator import add

_WHITESPACE = re.compile(r"\s\s+")
MAX_CHARS = 2000  # longer posts add little signal and cost linear time


@dataclass(frozen=True)
class ThaiModel:
    """Per n-gram weights laid out for the scoring loop, and the three intercepts.

    `features[gram]` is (idf, idf*idf, idf*w_neg, idf*w_neu, idf*w_pos, w_neg,
    w_neu, w_pos). Most n-grams occur once in a message; then the sublinear tf
    weight is exactly idf and the loop adds the precomputed products, which are
    the very multiplications it used to do per message (same bits, less work).
    """

    features: dict[str, tuple[float, float, float, float, float, float, float, float]]
    intercept: tuple[float, float, float]


@cache
def model() -> ThaiModel:
    """Load the shipped coefficients once per process (~0.2 s; 0.3 MB on disk, ~9 MB in memory)."""
    raw = resources.files("sentiment").joinpath("data/th_charngram.json.gz").read_bytes()
    payload = json.loads(gzip.decompress(raw).decode("utf-8"))
    features = {
        k: (idf, idf * idf, idf * neg, idf * neu, idf * pos, neg, neu, pos)
        for k, (idf, neg, neu, pos) in payload["features"].items()
    }
    a, b, c = payload["intercept"]
    return ThaiModel(features=features, intercept=(a, b, c))


def ngram_counts(doc: str) -> Counter[str]:
    """Char 1-, 2- and 3-gram counts, built in C (`map`, `Counter`) rather than a slicing loop.

    Insertion order is the old loop's (1-grams, then 2-grams, then 3-grams,
    each by first position), so the weighted sums add in the same order.
    """
    bigrams = list(map(add, doc, doc[1:]))
    return Counter(chain(doc, bigrams, map(add, bigrams, doc[2:])))


def probabilities(text: str) -> tuple[float, float, float]:
    """P(neg), P(neu), P(pos) for Thai text."""
    m = model()
    counts = ngram_counts(_WHITESPACE.sub(" ", text[:MAX_CHARS].lower()))
    get = m.features.get
    norm = s0 = s1 = s2 = 0.0
    for gram, tf in counts.items():
        f = get(gram)
        if f is None:
            continue
        if tf == 1:  # weight = idf: add the precomputed idf*idf and idf*w
            norm += f[1]
            s0 += f[2]
            s1 += f[3]
            s2 += f[4]
        else:
            w = (1.0 + math.log(tf)) * f[0]
            norm += w * w
            s0 += w * f[5]
            s1 += w * f[6]
            s2 += w * f[7]
    scale = 1.0 / math.sqrt(norm) if norm else 0.0
    z = (s0 * scale + m.intercept[0], s1 * scale + m.intercept[1], s2 * scale + m.intercept[2])
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return e[0] / total, e[1] / total, e[2] / total
