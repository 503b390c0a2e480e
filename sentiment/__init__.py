"""Sentiment: one comparable score per message, and an explainable priority.

Public entry points (plain Python; no Flask, SQLAlchemy or Celery):
- `score(text, lang_hint=None) -> Score` in every language (en, zh-Hans, zh-Hant, th)
- `urgency_cues(text, language) -> tuple[str, ...]` for `RankFacts.urgency_terms`
- `rank(facts, weights=None) -> Priority` (0-100), with `DEFAULT_WEIGHTS` and `priority_at`
  for reading the stored form (ceiling, curve, settles_at) at any later time
- `warm()` loads every scorer's tables now (the model files take a fraction of a second), so that
  the first message a process scores does not pay for it
- `sentiment.evaluation` (evaluate_rows, load_labeled_file, format_report) and
  `sentiment.bench.compare_with_raw_vader`

The scoring modules run compiled by mypyc when `make native` has built them for the current
sources (`sentiment._native`); `NATIVE` is None then, or says why plain Python runs.
"""

from sentiment import _native

NATIVE: str | None = _native.enable(__path__)

# The rest is imported after the compiled modules are on the path.
from sentiment.cues import urgency_cues
from sentiment.language import detect as detect_language
from sentiment.language import script_of
from sentiment.rank import DEFAULT_WEIGHTS, WAIT_FULL_AFTER_SLAS, priority_at, rank
from sentiment.scoring import score, warm
from sentiment.types import Component, Priority, RankFacts, Score

__all__ = [
    "DEFAULT_WEIGHTS",
    "WAIT_FULL_AFTER_SLAS",
    "Component",
    "Priority",
    "RankFacts",
    "Score",
    "detect_language",
    "priority_at",
    "rank",
    "score",
    "script_of",
    "urgency_cues",
    "warm",
]
