"""Learning from agents: a small per-team calibration on top of the base scorer.

Why a calibration and not a new model: a team's corrections number in the tens or hundreds,
far too few to learn words from, but enough to learn how this team reads the base score:
where its neutral band lies, whether it reads "still waiting" as worse than the base does,
per language. So the calibration is a three-class logistic regression on the base compound
(and its magnitude), per language family, fitted in plain Python (a few hundred gradient
steps on at most a few thousand rows: milliseconds).

The job (`fit`) holds back a seeded part of the corrections, fits on the rest, and reports
macro-F1 of the base labels and of the calibrated labels on the held-back part; the caller
switches to the calibration only if it is better (`Candidate.better`). `apply` turns a base
`Score` into the calibrated one, naming the version in its reasons.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sentiment.heldout import macro_f1
from sentiment.linear import CLASSES, compound_of, softmax
from sentiment.types import Score

MIN_CORRECTIONS = 50
HOLDOUT = 0.3
MIN_GAIN = 0.02  # macro-F1 points the calibration must add on the held-back part to be used
_FAMILIES = ("en", "zh", "th")


@dataclass(frozen=True)
class Sample:
    """One corrected message: the base scorer's compound and language, and the agent's label."""

    compound: float
    language: str
    label: str


@dataclass(frozen=True)
class Candidate:
    """A fitted calibration and how it did on the held-back corrections."""

    params: dict[str, list[float]]
    trained_on: int
    held_back: int
    before: float  # macro-F1 of the base labels on the held-back part
    after: float  # macro-F1 of the calibrated labels on the held-back part

    @property
    def better(self) -> bool:
        return self.after >= self.before + MIN_GAIN


def family(language: str) -> str:
    """ "en", "zh" or "th" (any other language is read as English, as the scorer does)."""
    return "zh" if language.startswith("zh") else "th" if language == "th" else "en"


def _x(compound: float, language: str) -> list[float]:
    """Inputs: per family a bias, the compound and its signed square (a bend), 9 in all."""
    out = [0.0] * (3 * len(_FAMILIES))
    k = 3 * _FAMILIES.index(family(language))
    out[k], out[k + 1], out[k + 2] = 1.0, compound, compound * abs(compound)
    return out


def _logits(params: dict[str, list[float]], x: list[float]) -> tuple[float, float, float]:
    z = [
        params["bias"][c] + sum(w * v for w, v in zip(params[cls], x, strict=True))
        for c, cls in enumerate(CLASSES)
    ]
    return z[0], z[1], z[2]


def _train(
    samples: Sequence[Sample], steps: int = 600, rate: float = 1.0, l2: float = 0.001
) -> dict[str, list[float]]:
    dims = 3 * len(_FAMILIES)
    params: dict[str, list[float]] = {cls: [0.0] * dims for cls in CLASSES}
    params["bias"] = [0.0, 0.0, 0.0]
    data = [(_x(s.compound, s.language), CLASSES.index(s.label)) for s in samples if s.label in CLASSES]
    n = len(data)
    if not n:
        return params
    counts = [sum(1 for _, y in data if y == c) or 1 for c in range(3)]
    class_w = [n / (3.0 * c) for c in counts]  # balanced: a rare class is not ignored
    for _ in range(steps):
        grads = {cls: [0.0] * dims for cls in CLASSES}
        gbias = [0.0, 0.0, 0.0]
        for x, y in data:
            p = softmax(_logits(params, x))
            for c, cls in enumerate(CLASSES):
                err = (p[c] - (1.0 if c == y else 0.0)) * class_w[y]
                gbias[c] += err
                g = grads[cls]
                for j, v in enumerate(x):
                    if v:
                        g[j] += err * v
        for c, cls in enumerate(CLASSES):
            params["bias"][c] -= rate * gbias[c] / n
            w = params[cls]
            for j in range(dims):
                w[j] -= rate * (grads[cls][j] / n + l2 * w[j])
    return params


def _start_from_base(samples: Sequence[Sample]) -> list[Sample]:
    return [s for s in samples if s.label in CLASSES and math.isfinite(s.compound)]


def _base_label(compound: float) -> str:
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def calibrated_compound(params: dict[str, list[float]], compound: float, language: str) -> float:
    """The calibrated compound (on VADER's scale) for a base compound in `language`."""
    return compound_of(softmax(_logits(params, _x(compound, language))))


def fit(samples: Sequence[Sample], seed: int = 0) -> Candidate | None:
    """Fit on a seeded (1 - HOLDOUT) part, measure on the rest; None below MIN_CORRECTIONS."""
    clean = _start_from_base(samples)
    if len(clean) < MIN_CORRECTIONS:
        return None
    order = list(range(len(clean)))
    random.Random(seed).shuffle(order)
    cut = int(len(clean) * HOLDOUT)
    held = [clean[i] for i in order[:cut]]
    train = [clean[i] for i in order[cut:]]
    params = _train(train)
    gold = [s.label for s in held]
    before = macro_f1(gold, [_base_label(s.compound) for s in held])
    after = macro_f1(gold, [_base_label(calibrated_compound(params, s.compound, s.language)) for s in held])
    return Candidate(params, len(train), len(held), round(before, 4), round(after, 4))


def apply(params: dict[str, list[float]], base: Score, version: str) -> Score:
    """The base score as this team's calibration reads it (reasons keep the base's, plus the version)."""
    compound = calibrated_compound(params, base.compound, base.language)
    label = _base_label(compound)
    note = f"team calibration {version} ({base.compound:+.2f} -> {compound:+.2f})"
    return replace(base, compound=compound, label=label, reasons=(*base.reasons[:5], note))
