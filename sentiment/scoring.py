"""First scorer: vaderSentiment for everything (to be deepened per language)."""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sentiment.types import Score


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _language(text: str) -> str:
    thai = sum(1 for ch in text if "\u0e00" <= ch <= "\u0e7f")
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if thai >= 2:
        return "th"
    if han >= 2:
        return "zh"
    return "en"


def score(text: str, lang_hint: str | None = None) -> Score:
    """Score `text`; never raises on any string."""
    text = text or ""
    language = lang_hint or _language(text)
    compound = float(_vader().polarity_scores(text)["compound"])
    label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    return Score(compound=compound, label=label, language=language, confidence=abs(compound))
