"""Benchmark helper: our English path against raw vaderSentiment on the same texts.

Honest by construction: both sides get the same texts in the same order, one
call per text, in the same process, alternating rounds so that neither gets a
warmer CPU; our path is the public `score()` (language detection, extended
lexicon, reasons, Score construction). Neither side caches results. Construction
and first-call costs are excluded for both (VADER builds its analyzer once, we
load our tables once).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def _rate(fn: Callable[[str], Any], texts: Sequence[str], seconds: float) -> float:
    done = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds or done == 0:
        for t in texts:
            fn(t)
        done += len(texts)
        elapsed = time.perf_counter() - start
    return done / elapsed


def compare_with_raw_vader(texts: Sequence[str], seconds: float = 2.0, rounds: int = 3) -> dict[str, float]:
    """Texts per second for `sentiment.score` and raw VADER on `texts`, and their ratio (best round each)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from sentiment.scoring import score

    texts = [t for t in texts if isinstance(t, str)] or ["ok"]
    analyzer = SentimentIntensityAnalyzer()
    analyzer.polarity_scores(texts[0])
    score(texts[0])
    ours: list[float] = []
    raw: list[float] = []
    per_round = max(0.05, seconds / (2 * rounds))
    for _ in range(rounds):
        raw.append(_rate(analyzer.polarity_scores, texts, per_round))
        ours.append(_rate(score, texts, per_round))
    best_ours, best_raw = max(ours), max(raw)
    return {
        "texts": float(len(texts)),
        "ours_per_s": best_ours,
        "raw_vader_per_s": best_raw,
        "ratio": best_ours / best_raw,
    }


def compare_languages(
    texts_by_language: dict[str, Sequence[str]], seconds: float = 2.0, rounds: int = 3
) -> dict[str, dict[str, float]]:
    """Texts per second of `sentiment.score` per language and of raw VADER on the English texts.

    All in the same run and the same process, in alternating rounds (best round each), so the
    languages' rates and VADER's are comparable: {"raw_vader_en": {...}, "<lang>": {"per_s",
    "mean_chars", "texts"}}. Each language's texts are scored with their language as the hint,
    as the ingest pipeline does with a channel's language.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from sentiment.scoring import score, warm

    warm()
    analyzer = SentimentIntensityAnalyzer()
    english = list(texts_by_language.get("en") or ["ok"])
    analyzer.polarity_scores(english[0])
    per_round = max(0.05, seconds / ((len(texts_by_language) + 1) * rounds))
    best: dict[str, float] = {}
    for _ in range(rounds):
        best["raw_vader_en"] = max(
            best.get("raw_vader_en", 0.0), _rate(analyzer.polarity_scores, english, per_round)
        )
        for lang, texts in texts_by_language.items():
            chosen = list(texts) or ["ok"]

            def scored(text: str, hint: str = lang) -> Any:
                return score(text, hint)

            best[lang] = max(best.get(lang, 0.0), _rate(scored, chosen, per_round))
    out = {"raw_vader_en": {"per_s": best["raw_vader_en"], "texts": float(len(english)),
                            "mean_chars": sum(map(len, english)) / len(english)}}  # fmt: skip
    for lang, texts in texts_by_language.items():
        chosen = list(texts) or ["ok"]
        out[lang] = {
            "per_s": best[lang],
            "texts": float(len(chosen)),
            "mean_chars": sum(map(len, chosen)) / len(chosen),
        }
    return out
