"""The Thai segmenter behind the Thai scorer gives PyThaiNLP's newmm words (safe mode, default dictionary)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment import th_segment, thai

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
ROOT = Path(__file__).resolve().parents[3]
# Thai consonants, vowels, tone marks, digits, a few words' letters, Latin, digits, spaces, emoji.
THAI = "กขคงจชซดตถทนบปผพฟมยรลวสหอฮะัาำิีึืุูเแโใไ่้๊๋็์ๆ๑๒"
TH_TEXT = st.text(alphabet=THAI + "ab1 2.,\n😡!?", max_size=80)
TH_WORDS = st.lists(
    st.sampled_from(
        ["ไม่", "ชอบ", "ส่ง", "ช้า", "มาก", "รอ", "นาน", "คืนเงิน", "ขอบคุณ", "ค่ะ", "ครับ", "555", " ", "ok"]
    ),
    max_size=60,
).map("".join)


@cache
def _newmm():  # type: ignore[no-untyped-def]
    from pythainlp.tokenize import word_dict_trie
    from pythainlp.tokenize.newmm import segment

    trie = word_dict_trie()
    return lambda text: segment(text, trie, safe_mode=True)


def _thai_rows() -> list[str]:
    with (DATA / "th_wisesight_heldout.csv").open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def test_segmenter_matches_newmm_on_shipped_thai() -> None:
    texts = _thai_rows()
    assert len(texts) > 200
    for text in texts:
        assert th_segment.segment(text) == _newmm()(text), text
        doc = thai.normalise(text)
        assert th_segment.segment(doc) == _newmm()(doc), doc


def test_segmenter_matches_newmm_on_long_texts() -> None:
    """Safe mode cuts texts of 140 characters and more in chunks: with and without spaces."""
    rows = _thai_rows()
    joined = "".join(rows)
    for size in (139, 140, 141, 300, 1000):
        for start in range(0, len(joined) - size, 997):
            text = joined[start : start + size]
            assert th_segment.segment(text) == _newmm()(text)
            assert th_segment.segment(text.replace(" ", "")) == _newmm()(text.replace(" ", ""))


def test_segmenter_matches_newmm_on_the_bench_corpus() -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    from web.bench.common import texts

    thai_texts = [t for t, lang in texts(400, seed=11) if lang == "th"]
    assert thai_texts
    for text in thai_texts:
        assert th_segment.segment(text) == _newmm()(text)


def test_segmenter_edges() -> None:
    assert th_segment.segment("") == []
    assert th_segment.segment("ส่งช้ามาก  รอนาน") == ["ส่ง", "ช้า", "มาก", "  ", "รอ", "นาน"]
    assert th_segment.tcc_ends("") == bytearray(1)


@settings(max_examples=300, deadline=None)
@given(TH_TEXT)
def test_segmenter_matches_newmm_on_any_text(text: str) -> None:
    assert th_segment.segment(text) == _newmm()(text)


@settings(max_examples=300, deadline=None)
@given(TH_WORDS)
def test_segmenter_matches_newmm_on_word_runs(text: str) -> None:
    assert th_segment.segment(text) == _newmm()(text)
