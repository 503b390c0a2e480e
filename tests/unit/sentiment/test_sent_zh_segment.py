"""The Chinese segmenter behind the dashboard's rising terms gives jieba's own words (default mode)."""

from __future__ import annotations

import csv
import logging
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sentiment import zh_segment

DATA = Path(__file__).resolve().parents[2] / "data" / "sentiment"
# Common Han characters, a few with Traditional-only and Simplified-only forms, digits, Latin, punctuation.
HAN = "我的订单在哪里退款等了三个星期你们扣两次钱很好不错谢谢客服太差劲非常满意快递慢質問題訂單還沒到臺灣這樣"
ZH_TEXT = st.text(alphabet=HAN + "abcXY12 3.%，。！?\n", max_size=60)


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.ERROR)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _rows(name: str) -> list[str]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def test_segmenter_matches_jieba_on_shipped_chinese() -> None:
    texts = _rows("zh_support.csv")
    assert texts
    for text in texts:
        assert zh_segment.cut(text) == _jieba().lcut(text), text


@settings(max_examples=300, deadline=None)
@given(ZH_TEXT)
def test_segmenter_matches_jieba_on_any_text(text: str) -> None:
    assert zh_segment.cut(text) == _jieba().lcut(text)
