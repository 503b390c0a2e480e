"""The Thai word model: newmm's words, negation read from word pairs, reasons that name words."""

from __future__ import annotations

from sentiment import thai
from sentiment.scoring import score


def test_segmenter_is_loaded_once() -> None:
    assert thai._segmenter() is thai._segmenter()
    assert thai.words(thai.normalise("ส่งช้ามาก  รอนาน")) == ["ส่ง", "ช้า", "มาก", "รอ", "นาน"]


def test_negated_praise_is_negative() -> None:
    assert score("ดี", "th").label == "positive"
    assert score("ไม่ดี", "th").label == "negative"
    assert score("อร่อยมาก", "th").label == "positive"
    assert score("ไม่อร่อย", "th").label == "negative"


def test_reasons_name_the_words_that_moved_the_score() -> None:
    result = score("ส่งช้ามาก รอนานแล้ว", "th")
    assert result.label == "negative"
    assert any(r.startswith(("ช้า", "รอนาน")) and "-" in r for r in result.reasons), result.reasons


def test_features_are_what_the_fast_path_sums() -> None:
    f = thai.features("ไม่ชอบเลย 😂")
    assert "ไม่|ชอบ" in f and f"{thai.CHAR_PREFIX}😂" in f
    assert thai.features("") == {}
