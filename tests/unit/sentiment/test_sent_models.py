"""The shipped English and Chinese models: support situations VADER misreads, reasons, both scripts."""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sentiment import score
from sentiment.en_support import features
from sentiment.linear import compound_of, shipped
from sentiment.zh_fast import grams


def _vader(text: str) -> float:
    return SentimentIntensityAnalyzer().polarity_scores(text)["compound"]


def test_polite_complaint_without_a_negative_word_is_negative_with_its_reason():
    text = "Hi, could you please look into it? My order still hasn't arrived."
    assert _vader(text) > -0.05  # raw VADER sees nothing negative
    s = score(text)
    assert s.label == "negative"
    assert any(r.startswith(("waiting", "polite complaint")) for r in s.reasons)


def test_thanks_next_to_a_complaint_is_not_praise():
    text = "Thanks for nothing, still no refund after three weeks."
    assert _vader(text) > 0.05  # raw VADER reads the thanks
    assert score(text).label == "negative"


def test_negated_praise_and_negated_complaint():
    assert score("Your service is not great, nobody answers.").label == "negative"
    assert score("Can't complain, the technician sorted it out quickly.").label != "negative"


def test_features_mark_negated_words_and_read_emoji():
    f = features("This is not bad at all 😂")
    assert "~bad" in f and "bad" not in f and "😂" in f
    assert f["_vader compound"] > 0


def test_every_probability_maps_to_its_label():
    for p in ((0.7, 0.2, 0.1), (0.1, 0.8, 0.1), (0.2, 0.3, 0.5), (0.34, 0.33, 0.33)):
        c = compound_of(p)
        label = ("negative", "neutral", "positive")[p.index(max(p))]
        assert (c <= -0.05, abs(c) < 0.05, c >= 0.05)[("negative", "neutral", "positive").index(label)]


def test_simplified_and_traditional_score_alike():
    pairs = [
        ("退款等了三个星期还没到账，太失望了", "退款等了三個星期還沒到賬，太失望了"),
        ("客服态度很好，问题很快就解决了", "客服態度很好，問題很快就解決了"),
    ]
    for simp, trad in pairs:
        a, b = score(simp, "zh-Hans"), score(trad, "zh-Hant")
        assert (a.language, b.language) == ("zh-Hans", "zh-Hant")
        assert a.label == b.label and abs(a.compound - b.compound) < 0.1
    assert score(pairs[0][0]).label == "negative" and score(pairs[1][0]).label == "positive"


def test_chinese_reasons_name_grams_and_a_question_is_neutral():
    s = score("质量太差了，要求退货退款", "zh-Hans")
    assert s.label == "negative" and s.reasons
    assert score("请问周日营业吗？", "zh-Hans").label == "neutral"
    assert list(grams("好的。好")) == ["好", "的", "好的", "的。", "。好"]


def test_models_are_three_class_and_shipped():
    for name in ("en_support", "zh_chargram"):
        m = shipped(name)
        assert len(m.intercept) == 3 and len(m.weights) > 1000
        assert "trained_on" in m.meta
