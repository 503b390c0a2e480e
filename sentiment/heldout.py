"""Held-out figures: macro-F1 per data set and class, with bootstrap intervals, ours beside raw VADER.

Why bootstrap: a test split of a few hundred rows moves macro-F1 by several points by chance;
a 95 % percentile interval (resampling the rows, seeded) says which differences are real.
Macro-F1 averages the F1 of the classes present in the gold labels: on the binary review
sets a "neutral" prediction is simply wrong, as it would be for the brand reading it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sentiment.corpus import LabelledText
from sentiment.types import Score

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Figure:
    """A value and its 95 % bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}-{self.high:.3f}]"


@dataclass(frozen=True)
class SetResult:
    """One data set's figures for one scorer."""

    dataset: str
    lang: str
    count: int
    macro_f1: Figure
    per_class: dict[str, float]
    accuracy: float


def _f1s(gold: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> list[float]:
    out = []
    for lab in classes:
        tp = fp = fn = 0
        for g, p in zip(gold, pred, strict=True):
            if p == lab:
                if g == lab:
                    tp += 1
                else:
                    fp += 1
            elif g == lab:
                fn += 1
        out.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Mean F1 over the classes present in `gold` (0.0 for no rows)."""
    classes = [c for c in LABELS if c in set(gold)]
    if not classes:
        return 0.0
    return sum(_f1s(gold, pred, classes)) / len(classes)


def bootstrap(gold: Sequence[str], pred: Sequence[str], rounds: int = 400, seed: int = 21) -> Figure:
    """Macro-F1 with the 2.5th and 97.5th percentiles of `rounds` row resamples."""
    n = len(gold)
    value = macro_f1(gold, pred)
    if n == 0:
        return Figure(0.0, 0.0, 0.0)
    rng = random.Random(seed)
    samples = []
    for _ in range(rounds):
        idx = [rng.randrange(n) for _ in range(n)]
        samples.append(macro_f1([gold[i] for i in idx], [pred[i] for i in idx]))
    samples.sort()
    return Figure(value, samples[int(0.025 * rounds)], samples[min(rounds - 1, int(0.975 * rounds))])


def evaluate(rows: Sequence[LabelledText], scorer: Callable[[str, str | None], Score]) -> list[SetResult]:
    """Figures per data set (and per script for Chinese) for `scorer` on `rows`."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in rows:
        label = scorer(row.text, row.lang).label
        groups.setdefault((row.dataset, row.lang), []).append((row.label, label))
    out = []
    for (dataset, lang), pairs in sorted(groups.items()):
        gold = [g for g, _ in pairs]
        pred = [p for _, p in pairs]
        classes = [c for c in LABELS if c in set(gold)]
        per_class = dict(zip(classes, _f1s(gold, pred, classes), strict=True))
        accuracy = sum(g == p for g, p in pairs) / len(pairs)
        out.append(SetResult(dataset, lang, len(pairs), bootstrap(gold, pred), per_class, accuracy))
    return out


def format_comparison(ours: Sequence[SetResult], raw: Sequence[SetResult]) -> str:
    """One line per data set: ours with interval, per-class F1, raw VADER with interval."""
    by_key = {(r.dataset, r.lang): r for r in raw}
    head = f"{'set':<14} {'lang':<8} {'n':>5}  {'Murmur macro-F1 [95% CI]':<26} {'raw VADER [95% CI]':<26} per-class F1 (neg/neu/pos)"
    lines = [head]
    for r in ours:
        v = by_key.get((r.dataset, r.lang))
        per = "/".join(f"{r.per_class[c]:.2f}" if c in r.per_class else "-" for c in LABELS)
        raw_text = str(v.macro_f1) if v else "-"
        lines.append(f"{r.dataset:<14} {r.lang:<8} {r.count:>5}  {str(r.macro_f1):<26} {raw_text:<26} {per}")
    return "\n".join(lines)
