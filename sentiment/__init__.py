"""Sentiment: one comparable score per message, and an explainable priority.

Public entry points (plain Python; no Flask, SQLAlchemy or Celery):
- `score(text, lang_hint=None) -> Score` in every language (en, zh-Hans, zh-Hant, th)
- `urgency_cues(text, language) -> tuple[str, ...]` for `RankFacts.urgency_terms`
- `rank(facts, weights=None) -> Priority`, with `DEFAULT_WEIGHTS`, `effective_priority`,
  `sort_key` and `waiting_rate` for keeping the order current as waiting grows
- `warm()` loads every scorer's tables now (jieba's dictionary takes about a second), so that
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
from sentiment.rank import DEFAULT_WEIGHTS, effective_priority, rank, sort_key, waiting_rate
from sentiment.scoring import score, warm
from sentiment.types import Component, Priority, RankFacts, Score

__all__ = [
    "DEFAULT_WEIGHTS",
    "Component",
    "Priority",
    "RankFacts",
    "Score",
    "detect_language",
    "effective_priority",
    "rank",
    "score",
    "script_of",
    "sort_key",
    "urgency_cues",
    "waiting_rate",
    "warm",
]
