from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.insights.analytics.terms import rising_terms, term_counts, tokenize


def test_english_words_hashtags_and_what_is_dropped() -> None:
    text = "My REFUND is late!!! @AcmeHelp #RefundGate #1 https://x.co/abc don't do this 2024"
    assert tokenize(text) == ["refund", "late", "#refundgate"]


def test_chinese_is_cut_into_words_not_fragments() -> None:
    # Words, in both scripts; no bigram that straddles two words (款很, 机充) and no lone character.
    assert tokenize("X2耳机充电时电池发烫鼓包，太危险了！") == [
        "耳机",
        "充电",
        "电池",
        "发烫",
        "鼓包",
        "危险",
    ]
    assert tokenize("耳機音質很棒，出貨也很快") == ["耳機", "音質", "很棒", "出貨", "很快"]
    assert tokenize("iPhone好用 好") == ["iphone", "好用"]
    assert tokenize("カスタマー")[:2] == ["カス", "スタ"]  # kana only: bigrams, as no segmenter is shipped


def test_thai_is_cut_into_words_without_stopwords() -> None:
    tokens = tokenize("X2 แบตบวมและร้อนมากตอนชาร์จ อันตรายมาก")
    assert tokens[:3] == ["แบต", "บวม", "ร้อน"] and "ชาร์จ" in tokens and "อันตราย" in tokens
    assert "และ" not in tokens  # a stopword
    assert all(t[0] not in "\u0e48\u0e49" for t in tokens)  # no word starts with a tone mark
    assert tokenize("#กินอะไรดี") == ["#กินอะไรดี"]


def test_other_scripts_and_accents() -> None:
    assert tokenize("Привет café NAI\u0308VE") == ["привет", "café", "naïve"]


def test_term_counts_are_per_text() -> None:
    counts, n = term_counts(["refund refund refund", "refund please", "shipping"])
    assert n == 3 and counts["refund"] == 2 and counts["shipping"] == 1


def test_rising_terms_finds_the_new_topic() -> None:
    baseline = ["shipping was fine", "love the product", "shipping question"] * 100
    recent = ["battery exploded #recall", "my battery is hot #recall", "shipping question"] * 5
    found = rising_terms(recent, baseline, top=5)
    terms = [t.term for t in found]
    assert set(terms[:2]) == {"battery", "#recall"}
    assert "shipping" not in terms and "question" not in terms
    recall = next(t for t in found if t.term == "#recall")
    assert recall.is_hashtag and recall.recent_count == 10 and recall.baseline_count == 0
    assert recall.expected == pytest.approx(15 * 1 / 301)


def test_rising_terms_thresholds_and_empty_inputs() -> None:
    assert rising_terms(["battery"] * 2, ["other"] * 10) == []  # below min_count
    assert rising_terms(["battery"] * 5, []) == []  # nothing to rise against
    assert rising_terms([], ["x"]) == []
    assert rising_terms(["battery"] * 5, ["battery"] * 10) == []  # as common as before
    with pytest.raises(ValueError):
        rising_terms(["a"], ["b"], smoothing=0)


def test_rising_terms_order_is_deterministic() -> None:
    recent = ["alpha beta", "beta alpha", "alpha beta"]
    first = rising_terms(recent, ["zzz"] * 50, min_count=1)
    assert [t.term for t in first] == ["alpha", "beta"]


@given(st.text(max_size=200))
def test_tokenize_never_fails_and_yields_no_empties_or_mentions(text: str) -> None:
    for token in tokenize(text):
        assert token and not token.startswith("@") and not token.isspace()
