"""The per-team calibration: fitted only with enough corrections, used only when it helps."""

from __future__ import annotations

import random

from sentiment import adapt
from sentiment.types import Score


def _samples(n: int, shift: float, seed: int = 1) -> list[adapt.Sample]:
    """Base compounds uniform in [-1, 1]; the team's label is negative below `shift`."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        c = rng.uniform(-1, 1)
        label = "negative" if c < shift else "positive" if c > shift + 0.3 else "neutral"
        out.append(adapt.Sample(c, "en", label))
    return out


def test_too_few_corrections_fit_nothing():
    assert adapt.fit(_samples(adapt.MIN_CORRECTIONS - 1, 0.3)) is None


def test_a_team_that_reads_more_harshly_gets_a_better_calibration():
    cand = adapt.fit(_samples(200, 0.3))
    assert cand is not None and cand.better
    assert cand.held_back == 60 and cand.trained_on == 140
    assert cand.after > cand.before + 0.2
    base = Score(0.15, "positive", "en", 0.8, ("thanks +0.4",))
    moved = adapt.apply(cand.params, base, "team1-v1")
    assert moved.label == "negative" and moved.compound <= -0.05
    assert moved.reasons[0] == "thanks +0.4" and "team1-v1" in moved.reasons[-1]


def test_agreeing_with_the_base_is_not_better():
    cand = adapt.fit(_samples(200, -0.05))
    assert cand is not None
    # the base's own ±0.05 rule is already (nearly) the team's reading
    assert not cand.better or cand.after - cand.before < 0.1


def test_each_language_family_has_its_own_calibration():
    samples = _samples(150, 0.3) + [
        adapt.Sample(s.compound, "zh-Hant", s.label) for s in _samples(150, -0.05, 2)
    ]
    cand = adapt.fit(samples)
    assert cand is not None
    assert adapt.calibrated_compound(cand.params, 0.2, "en") < 0
    assert adapt.calibrated_compound(cand.params, 0.2, "zh-Hans") > 0


def test_unknown_labels_and_nan_are_ignored():
    bad = [adapt.Sample(float("nan"), "en", "negative"), adapt.Sample(0.1, "en", "angry")]
    assert adapt.fit(bad * 40) is None
