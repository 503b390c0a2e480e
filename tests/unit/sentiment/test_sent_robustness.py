from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment import Score, score, urgency_cues

LANGS = st.sampled_from([None, "en", "zh", "zh-TW", "th", "xx", ""])


def _valid(result: Score) -> None:
    assert isinstance(result, Score)
    assert -1.0 <= result.compound <= 1.0 and not math.isnan(result.compound)
    assert result.label in ("positive", "neutral", "negative")
    assert 0.0 <= result.confidence <= 1.0
    assert all(isinstance(r, str) for r in result.reasons)


@settings(max_examples=150, deadline=None)
@given(st.text(), LANGS)
def test_any_text_gives_valid_score(text: str, hint: str | None) -> None:
    _valid(score(text, hint))
    assert isinstance(urgency_cues(text, hint), tuple)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=400), LANGS)
def test_binary_garbage_decoded_as_latin1(data: bytes, hint: str | None) -> None:
    _valid(score(data.decode("latin-1"), hint))


def test_edge_cases() -> None:
    for text in [
        "",
        " ",
        "\x00\x01\x02",
        "\ud800lone surrogate",
        "🙂" * 5000,
        "a" * 300_000,
        "ไม่" * 10000,
        "好" * 20000,
    ]:
        _valid(score(text))
