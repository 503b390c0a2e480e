"""One comparable score per message, whatever its language.

Route by script (`language.detect`), score with the language's own scorer,
take support cues (and, for Chinese, emoji and English words) as a second opinion,
then put the result on one scale.

The common scale is VADER's: |compound| < 0.05 is neutral, and the sign is
the polarity. English, Chinese and Thai are three-class models (`en_support`, `zh_fast`,
`thai`) whose most probable class is put on that scale by `linear.compound_of`. So
"compound -0.3" is a clear complaint in every language, and the label is always read off
the compound the same way.
"""

from __future__ import annotations

import math
import re

from sentiment import thai
from sentiment.cues import term_items, urgency_cues
from sentiment.emoji import find_emoji
from sentiment.en_support import score_support
from sentiment.english import normalize, score_english
from sentiment.language import detect, to_simplified
from sentiment.lexicon import THAI_LAUGHTER
from sentiment.linear import compound_of
from sentiment.types import Score
from sentiment.zh_fast import score_simplified

THRESHOLD = 0.05
SECOND_OPINION_WEIGHT = 0.6  # how much hand-listed cues count against a model, per item saturating
MAX_CHARS = 20_000  # scoring more of a huge post changes nothing an agent needs
MAX_REASONS = 6
_ASCII_LETTERS = re.compile("[A-Za-z]+")  # runs: a few matches per message, not one per letter


def label_of(compound: float) -> str:
    """The label every language shares: VADER's ±0.05 rule on the calibrated compound."""
    if compound >= THRESHOLD:
        return "positive"
    if compound <= -THRESHOLD:
        return "negative"
    return "neutral"


def _clean(text: object) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from broken decoders
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _reasons(items: list[tuple[str, float]] | tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    """The strongest items, one per word, as "word +1.2" (NaN values are no reason)."""
    ranked = sorted([it for it in items if abs(it[1]) >= 0.0], key=lambda it: -abs(it[1]))
    seen: dict[str, float] = {}
    for word, value in ranked:
        if word not in seen:
            seen[word] = value
        if len(seen) == MAX_REASONS:
            break
    # "%" formatting: same text as f"{w} {v:+.1f}", in half the time (this runs per message).
    return tuple(["%s %+.1f" % item for item in seen.items()])  # noqa: UP031


def _blend(model: float, cue_items: list[tuple[str, float]]) -> float:
    """Model compound blended with cues: each cue item adds weight, saturating below 1."""
    if not cue_items:
        return model
    cue = normalize(sum(v for _, v in cue_items))
    n = len(cue_items)
    w = SECOND_OPINION_WEIGHT * n / (n + 0.5)
    return (1.0 - w) * model + w * cue


def score(text: object, lang_hint: object = None) -> Score:
    """Score `text` on one scale for every language; never raises on any string.

    `lang_hint` (a channel's language, "zh-TW", "th", ...) is a prior: it
    decides only what the text's own script leaves open.
    """
    try:
        return _score(_clean(text), lang_hint if isinstance(lang_hint, str) else None)
    except Exception:  # noqa: BLE001 - the ingest hot path must never fail on a message
        return Score(compound=0.0, label="neutral", language="und", confidence=0.0, reasons=("scorer error",))


def _score(text: str, lang_hint: str | None) -> Score:
    language = detect(text, lang_hint)
    if language == "en" or language not in ("zh-Hans", "zh-Hant", "th"):
        compound, en_items, confidence = score_support(text)
        return Score(compound, label_of(compound), language, round(confidence, 3), _reasons(en_items))
    second: list[tuple[str, float]] = []
    if language == "th":
        p, th_items = thai.analyse(text)
        model = compound_of(p)
        # The word model reads emoji and Latin words itself (newmm keeps them as tokens): adding
        # them again as a second opinion lowered 4-fold CV macro-F1 on the Thai training rows
        # (model alone 0.605; with the Thai support terms and 555 0.614; with every emoji too
        # 0.604; with English words too 0.588). Only emoji the model never learnt (😡 is not in
        # wisesight's training rows) get the emoji table's value (0.613), so a furious emoji
        # still counts in Thai.
        second.extend(term_items(text.lower(), "th"))
        if "555" in text:
            second.append(("555", THAI_LAUGHTER))
        second.extend(item for item in find_emoji(text) if not thai.knows(item[0]))
        shown: list[tuple[str, float]] = list(th_items)
        confidence = max(p)
    else:
        # The character-gram model already weighs the support terms (`zh_fast.dense`).
        model, zh_items, confidence = score_simplified(to_simplified(text))
        shown = list(zh_items)
        if sum(map(len, _ASCII_LETTERS.findall(text))) >= 3:
            second.extend(score_english(text).items)
        else:
            second.extend(find_emoji(text))
    compound = max(-1.0, min(1.0, _blend(model, second)))
    if math.isnan(compound):
        compound = 0.0
    return Score(
        compound, label_of(compound), language, round(min(1.0, confidence), 3), _reasons(second + shown)
    )


# One text per scorer: English (VADER plus the support model), Simplified and Traditional Chinese
# (the character-gram model, OpenCC), Thai (newmm's dictionary and the word model), with emoji.
_WARM_TEXTS = (
    ("Thanks, great service 🙂", "en"),
    ("谢谢，服务很好", "zh-Hans"),
    ("謝謝，服務很好", "zh-Hant"),
    ("ขอบคุณมากค่ะ บริการดีมาก", "th"),
)


def warm() -> None:
    """Load every scorer's tables now rather than on the first message that needs them.

    The urgency cues too: each language family's cue table compiles its regular expressions and
    reads their parse trees on first use (4-6 ms a family, ~13 ms in all), which the first
    messages of every new process paid (the pipeline asks for cues with every score)."""
    for text, hint in _WARM_TEXTS:
        urgency_cues(text, score(text, hint).language)
