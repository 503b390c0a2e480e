"""The Thai word model: newmm's words, negation read from word pairs, reasons that name words."""

from __future__ import annotations

from sentiment import th_segment, thai
from sentiment.scoring import score


def test_segmenter_is_loaded_once() -> None:
    assert th_segment._tables() is th_segment._tables()
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


def test_negated_words_are_marked_after_every_negator() -> None:
    # "ไม่ค่อย" is one newmm word: a pair feature alone would never link it to "ชอบ".
    grams = thai.word_grams(["ไม่ค่อย", "ชอบ", "เลย"], negation=1)
    assert "!ชอบ" in grams and "!เลย" not in grams
    assert "!เลย" in thai.word_grams(["ไม่ค่อย", "ชอบ", "เลย"], negation=2)
    assert not any(k.startswith("!") for k in thai.word_grams(["ชอบ", "มาก"], negation=2))


def test_idf_features_are_normalised_and_leave_unknown_names_out() -> None:
    idf = {"ส่ง": 1.0, "ช้า": 3.0, "ส่ง|ช้า": 2.0}
    f = thai.features("ส่งช้าจัง", chars=False, idf=idf)
    assert set(f) == {"ส่ง", "ช้า", "ส่ง|ช้า"}  # "จัง" and its pair: not in the table
    assert abs(sum(v * v for v in f.values()) - 1.0) < 1e-12
    assert f["ช้า"] == 3 * f["ส่ง"]


def test_shipped_model_reads_negated_praise_in_reasons() -> None:
    result = score("ไม่ค่อยประทับใจเลยค่ะ ส่งช้ามาก", "th")
    assert result.label == "negative"
    assert any(r.startswith(("ไม่ ", "ช้า")) and "-" in r for r in result.reasons), result.reasons


def test_support_terms_read_every_negator_before_praise() -> None:
    from sentiment.cues import term_items

    assert term_items("ไม่ค่อยประทับใจ", "th")[0][1] < 0
    assert term_items("ไม่เคยพอใจ", "th")[0][1] < 0
    assert term_items("ประทับใจมาก", "th")[0][1] > 0
