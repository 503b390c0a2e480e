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
from dataclasses import dataclass
from functools import cache
from importlib import resources

_WHITESPACE = re.compile(r"\s\s+")
MAX_CHARS = 2000  # longer posts add little signal and cost linear time


@dataclass(frozen=True)
class ThaiModel:
    """Per n-gram (idf, w_neg, w_neu, w_pos) and the three intercepts."""

    features: dict[str, tuple[float, float, float, float]]
    intercept: tuple[float, float, float]


@cache
def model() -> ThaiModel:
    """Load the shipped coefficients once per process (~0.1 s, 0.3 MB)."""
    raw = resources.files("sentiment").joinpath("data/th_charngram.json.gz").read_bytes()
    payload = json.loads(gzip.decompress(raw).decode("utf-8"))
    features = {k: (v[0], v[1], v[2], v[3]) for k, v in payload["features"].items()}
    a, b, c = payload["intercept"]
    return ThaiModel(features=features, intercept=(a, b, c))


def probabilities(text: str) -> tuple[float, float, float]:
    """P(neg), P(neu), P(pos) for Thai text."""
    m = model()
    doc = _WHITESPACE.sub(" ", text[:MAX_CHARS].lower())
    counts: dict[str, int] = {}
    n = len(doc)
    for size in (1, 2, 3):
        for i in range(n - size + 1):
            gram = doc[i : i + size]
            counts[gram] = counts.get(gram, 0) + 1
    feats = m.features
    norm = 0.0
    s0 = s1 = s2 = 0.0
    for gram, tf in counts.items():
        f = feats.get(gram)
        if f is None:
            continue
        w = (1.0 + math.log(tf)) * f[0]
        norm += w * w
        s0 += w * f[1]
        s1 += w * f[2]
        s2 += w * f[3]
    scale = 1.0 / math.sqrt(norm) if norm else 0.0
    z = (s0 * scale + m.intercept[0], s1 * scale + m.intercept[1], s2 * scale + m.intercept[2])
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return e[0] / total, e[1] / total, e[2] / total
