"""The scorers' fast paths give exactly what the plain definitions give.

Each fast path (the Thai model's per-block sums, the variant and emoji lookups) is checked against the
straightforward code it replaced, on the shipped evaluation sets and on generated text.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment import cues, english, thai
from sentiment.emoji import emoji_valences, find_emoji
from sentiment.language import _variant_tables, chinese_variant
from sentiment.linear import shipped, softmax

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
# Common Han characters, a few with Traditional-only and Simplified-only forms, digits, Latin, punctuation.
HAN = "我的订单在哪里退款等了三个星期你们扣两次钱很好不错谢谢客服太差劲非常满意快递慢質問題訂單還沒到臺灣這樣"
ZH_TEXT = st.text(alphabet=HAN + "abcXY12 3.%，。！?\n", max_size=60)
THAI_TEXT = st.text(alphabet="กขคงจฉชซดตถทนบปผพฟมยรลวสหอะาิีึืุูเแโใไ่้๊๋็์ๆ 12!?😡👍", max_size=80)


def _rows(name: str) -> list[str]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def _thai_reference(text: str) -> tuple[float, float, float]:
    """The plain definition: the model's logits over every feature with its value, then softmax.

    The fast path sums weights with the idf folded in and the norm from stored idf²; here each
    feature's value is idf / norm and the model's own (unfolded) weights multiply it.
    """
    cols = thai._columns()
    z = shipped(thai.MODEL).logits(thai.features(text, cols.chars, cols.negation, cols.idf))
    return softmax(z)


def _close(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    # The fast path adds each block's weights before scaling: the same sum in another order.
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b, strict=True))


def test_thai_blocks_match_reference_on_shipped_thai() -> None:
    for text in _rows("th_wisesight_heldout.csv"):
        assert _close(thai.probabilities(text), _thai_reference(text)), text


@settings(max_examples=200, deadline=None)
@given(THAI_TEXT)
def test_thai_blocks_match_reference_on_any_text(text: str) -> None:
    assert _close(thai.probabilities(text), _thai_reference(text))


@settings(max_examples=200, deadline=None)
@given(ZH_TEXT)
def test_variant_vote_matches_counting(text: str) -> None:
    votes = _variant_tables()[1]
    trad = sum(1 for c in text if votes.get(c) == 1)
    simp = sum(1 for c in text if votes.get(c) == -1)
    expected = "zh-Hant" if trad > simp else "zh-Hans"
    assert chinese_variant(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab 😡🤬👎❤️🙂😂🔥\u200d\ufe0f", max_size=40))
def test_emoji_lookup_matches_regex(text: str) -> None:
    table = emoji_valences()
    pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(table)) + "]")
    assert find_emoji(text) == [(e, table[e]) for e in pattern.findall(text)]


def _cues_reference(text: str, language: str) -> tuple[str, ...]:
    """Every cue's regex searched, no literal shortcut."""
    lowered = text.lower()
    family = cues._family(language)
    found: list[str] = []
    for fam in dict.fromkeys((family, "en")):
        for name, pattern, _ in cues._urgency_res(fam):
            if name not in found and pattern.search(lowered):
                found.append(name)
    return tuple(found)


_CUE_WORDS = [
    "still",
    "been",
    "waiting",
    "for",
    "3",
    "two",
    "days",
    "weeks",
    "charged",
    "billed",
    "me",
    "twice",
    "double",
    "-",
    "cancel",
    "charge",
    "back",
    "scam",
    "fraud",
    "lawyer",
    "legal",
    "action",
    "sue",
    "never",
    "buying",
    "again",
    "no",
    "reply",
    "nobody",
    "no one",
    "has",
    "answered",
    "where",
    "is",
    "'s",
    "my",
    "order",
    "refund",
    "?",
    "!",
    "？",
    "😡",
    "退款",
    "还在等",
    "等了",
    "三",
    "个星期",
    "扣了两次",
    "取消",
    "律师",
    "再也不",
    "没人回",
    "订单",
    "在哪",
    "呢",
    "คืนเงิน",
    "ยังรอ",
    "ไม่",
    "ตอบ",
    "ของอยู่ไหน",
    "Refund",
    "WHERE",
    " ",
    "  ",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_CUE_WORDS), max_size=12).map(" ".join) | st.text(max_size=40),
    st.sampled_from(["en", "zh-Hans", "zh-Hant", "th", None]),
)
def test_cue_shortcut_matches_every_regex(text: str, language: str | None) -> None:
    assert cues.urgency_cues(text, language) == _cues_reference(text, language)


def test_required_literals_are_read_from_the_pattern() -> None:
    assert cues.required_literals(r"\brefund") == ("refund",)
    assert cues.required_literals(r"\bscam|\bfraud") == ("scam", "fraud")
    assert cues.required_literals(r"\bcharge ?back") == ("charge",)
    assert cues.required_literals("[\U0001f621\U0001f92c]") is None
    assert cues.required_literals(r"(?:a|\d+)x?") is None
    assert cues.required_literals("(unbalanced") is None


PHRASE_WORDS = ["still", "no", "not", "waiting", "been", "cancel", "cancelling", "my", "account", "where",
                "is", "order", "charged", "me", "twice", "double", "billed", "never", "again", "reply",
                "nobody", "has", "answered", "working", "on", "hold", "for", "money", "back", "nothing",
                "fix", "service", "support", "thanks", "x", "."]  # fmt: skip


def _phrases_by_full_alternation(lowered: str) -> list[tuple[str | None, int, int]]:
    return [(m.lastgroup, m.start(), m.end()) for m in english._phrase_re().finditer(lowered)]


def _phrases_by_candidates(lowered: str) -> list[tuple[str | None, int, int]]:
    candidates = english.candidate_phrases(lowered)
    if not candidates:
        return []
    return [(m.lastgroup, m.start(), m.end()) for m in english.phrase_subset_re(candidates).finditer(lowered)]


def test_phrase_candidates_find_what_the_full_alternation_finds_on_shipped_text() -> None:
    texts = _rows("en_support.csv")
    assert any(_phrases_by_full_alternation(t.lower()) for t in texts)
    for text in texts:
        assert _phrases_by_candidates(text.lower()) == _phrases_by_full_alternation(text.lower()), text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PHRASE_WORDS), max_size=20).map(" ".join))
def test_phrase_candidates_find_what_the_full_alternation_finds(text: str) -> None:
    assert _phrases_by_candidates(text) == _phrases_by_full_alternation(text)


def _chinese_reference(simplified: str) -> tuple[float, float]:
    """The plain definition: the shipped model's logits over `zh_fast.features`, then softmax."""
    from sentiment.linear import compound_of
    from sentiment.zh_fast import MODEL, features

    p = softmax(shipped(MODEL).logits(features(simplified)[0]))
    return compound_of(p), max(p)


def _zh_close(text: str) -> bool:
    from sentiment.zh_fast import score_simplified

    compound, _, top = score_simplified(text)
    ref_compound, ref_top = _chinese_reference(text)
    return math.isclose(compound, ref_compound, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(
        top, ref_top, rel_tol=1e-9, abs_tol=1e-12
    )


def test_chinese_sums_match_reference_on_shipped_probes() -> None:
    for text in _rows("zh_support.csv"):
        assert _zh_close(text), text


def test_chinese_grams_that_start_with_underscore_count_like_any_gram() -> None:
    # The dense inputs are named "_terms", "_question", "_exclaim"; a text's own grams such as "_小"
    # are grams, and the fast path must weigh them as the model was trained to.
    from sentiment.zh_fast import DENSE, _columns

    learnt = [k for k in shipped("zh_chargram").weights if k.startswith("_") and k not in DENSE]
    assert learnt, "the shipped model has grams that start with '_'"
    assert all(k in _columns().pos for k in learnt)
    for gram in learnt[:20]:
        assert _zh_close(f"服务{gram}很好"), gram


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=HAN + "abcXY12 3.%，。！?\n_@^", max_size=60))
def test_chinese_sums_match_reference_on_any_text(text: str) -> None:
    assert _zh_close(text)
