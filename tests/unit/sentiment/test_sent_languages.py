from __future__ import annotations

import pytest

from sentiment import detect_language, score, urgency_cues


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("hello there", None, "en"),
        ("我的退款已经等了三个星期了", None, "zh-Hans"),
        ("我的退款已經等了三個星期了", None, "zh-Hant"),
        ("ยังรอคืนเงินอยู่", None, "th"),
        ("😡😡", "th", "th"),
        ("😡😡", None, "und"),
        ("ok thanks", "th", "en"),
        ("好", "zh-TW", "zh-Hant"),
        ("こんにちは", None, "ja"),
    ],
)
def test_detect(text: str, hint: str | None, expected: str) -> None:
    assert detect_language(text, hint) == expected


def test_chinese_negation_and_polarity() -> None:
    assert score("这个很好").label == "positive"
    assert score("这个不好").label == "negative"
    assert score("服务太差了，再也不来了").label == "negative"


def test_traditional_scores_like_simplified() -> None:
    simp = score("客服太差了，再也不买了")
    trad = score("客服太差了，再也不買了")
    assert trad.language == "zh-Hant"
    assert simp.label == trad.label == "negative"
    assert abs(simp.compound - trad.compound) < 0.15


def test_mixed_chinese_english_uses_both() -> None:
    result = score("refund 还没到，very bad 😡")
    assert result.language.startswith("zh")
    assert result.label == "negative"
    assert any("bad" in r for r in result.reasons)


def test_thai_without_spaces() -> None:
    assert score("ดีมากค่ะชอบมากประทับใจ").label == "positive"
    assert score("แย่มากห่วยแตกไม่ซื้ออีกแล้ว").label == "negative"
    assert score("ยังรอคืนเงินอยู่เลย").label == "negative"


def test_thai_negated_positive_term() -> None:
    assert score("ไม่ชอบเลย").compound < score("ชอบมาก").compound


def test_emoji_scored_in_every_language() -> None:
    assert score("订单 😡😡").compound < score("订单").compound
    assert score("สั่งของ 😡😡").compound < score("สั่งของ").compound


@pytest.mark.parametrize(
    ("text", "lang", "cue"),
    [
        ("I want a refund", "en", "refund"),
        ("我要退款", "zh-Hans", "refund"),
        ("我要退錢", "zh-Hant", "refund"),
        ("ขอคืนเงินด้วย", "th", "refund"),
        ("still waiting", "en", "still waiting"),
        ("还在等", "zh-Hans", "still waiting"),
        ("還在等", "zh-Hant", "still waiting"),
        ("ยังรออยู่", "th", "still waiting"),
        ("you charged me twice", "en", "charged twice"),
        ("cancel it", "en", "cancel"),
        ("chargeback filed", "en", "chargeback"),
        ("what a scam", "en", "scam"),
        ("my lawyer will call", "en", "legal"),
        ("never again", "en", "never again"),
        ("😡", "en", "anger emoji"),
        ("hello??", "en", "repeated ??"),
        ("now!!!", "en", "repeated !!!"),
        ("我的订单在哪", "zh-Hans", "where is my order"),
    ],
)
def test_urgency_cues(text: str, lang: str, cue: str) -> None:
    assert cue in urgency_cues(text, lang)


def test_no_urgency_in_thanks() -> None:
    assert urgency_cues("thanks, all good", "en") == ()
