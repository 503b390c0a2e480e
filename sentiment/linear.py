"""A shipped three-class linear model (negative, neutral, positive), run without numpy.

Why our own few lines: the scorers run on every ingested message, and a softmax over a
few dozen weights costs microseconds in plain Python, while importing numpy / scikit-learn
costs a second and a large dependency. `scripts/train_sentiment.py` fits the weights with
scikit-learn offline and writes them as gzip'd JSON next to this module.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

CLASSES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class LinearModel:
    """Weights per feature name, one per class, and the intercepts; `meta` says how it was made."""

    weights: dict[str, tuple[float, float, float]]
    intercept: tuple[float, float, float]
    meta: dict[str, object]

    def logits(self, features: dict[str, float]) -> tuple[float, float, float]:
        """Intercept plus each present feature's value times its weights (unknown names add nothing)."""
        a, b, c = self.intercept
        get = self.weights.get
        for name, value in features.items():
            w = get(name)
            if w is not None:
                a += w[0] * value
                b += w[1] * value
                c += w[2] * value
        return a, b, c


def softmax(z: tuple[float, float, float]) -> tuple[float, float, float]:
    """Probabilities of the three classes from their logits (overflow-safe)."""
    top = max(z)
    e0, e1, e2 = math.exp(z[0] - top), math.exp(z[1] - top), math.exp(z[2] - top)
    total = e0 + e1 + e2
    return e0 / total, e1 / total, e2 / total


def compound_of(p: tuple[float, float, float]) -> float:
    """One compound on VADER's scale whose ±0.05 label is the most probable class.

    Neutral maps into (-0.05, 0.05) by P(pos) - P(neg) scaled; a polar class maps to
    ±(0.05 .. 1) by how far it leads the other polar class.
    """
    p_neg, p_neu, p_pos = p
    diff = p_pos - p_neg
    if p_neu >= p_neg and p_neu >= p_pos:
        return 0.049 * diff
    return math.copysign(0.05 + 0.95 * min(1.0, abs(diff)), diff)


def load_payload(payload: dict[str, object]) -> LinearModel:
    """A model from its JSON form ({"weights": {name: [3 floats]}, "intercept": [3], "meta": {}})."""
    raw_weights = payload["weights"]
    raw_intercept = payload["intercept"]
    if not isinstance(raw_weights, dict) or not isinstance(raw_intercept, list) or len(raw_intercept) != 3:
        raise ValueError("not a three-class linear model")
    weights = {str(k): (float(v[0]), float(v[1]), float(v[2])) for k, v in raw_weights.items()}
    meta = payload.get("meta")
    return LinearModel(
        weights,
        (float(raw_intercept[0]), float(raw_intercept[1]), float(raw_intercept[2])),
        dict(meta) if isinstance(meta, dict) else {},
    )


@cache
def shipped(name: str) -> LinearModel:
    """Load `sentiment/data/<name>.json.gz` once per process."""
    raw = resources.files("sentiment").joinpath(f"data/{name}.json.gz").read_bytes()
    return load_payload(json.loads(gzip.decompress(raw).decode("utf-8")))
