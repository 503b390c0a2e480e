"""Sentiment: one comparable score per message, and an explainable priority.

Public entry points: `score(text, lang_hint=None) -> Score` and `rank(facts) -> Priority`.
"""

from sentiment.rank import rank
from sentiment.scoring import score
from sentiment.types import Component, Priority, RankFacts, Score

__all__ = ["Component", "Priority", "RankFacts", "Score", "rank", "score"]
