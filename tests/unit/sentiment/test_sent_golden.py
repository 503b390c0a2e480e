"""Scores, urgency cues and ranks of a fixed mixed corpus, exactly as recorded.

Why: speed work on the scorers (compiling them, a faster segmenter, caches) must not change a
single result: the stored sentiment, the reasons an agent reads, the cues and the priority a
conversation is ranked on. This corpus (the shipped test rows in English, Chinese and Thai, the
demo feed, Traditional forms, support phrases with order numbers, awkward strings) was scored
by main before such work (74ca61c) and every later build must give the same values, float for
float, in plain Python and compiled alike.

A deliberate change of a model or a table changes the record: regenerate it with
`.venv/bin/python -m tests.unit.sentiment.test_sent_golden --write` and say why in the commit.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import sentiment
from sentiment import RankFacts, rank, score, urgency_cues

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "sentiment"
GOLDEN = DATA / "golden_mixed.json"
# A few Simplified -> Traditional swaps, so zh-Hant texts go through OpenCC's conversion too.
_TRAD = str.maketrans(
    "们还让说这个没钱单订递运费试产东备时间问题回复发货", "們還讓說這個沒錢單訂遞運費試產東備時間問題回覆發貨"
)
_ODD = ["", " ", "\x00", "\ud800 broken", "😡😡 !!!", "不不不好", "ไม่ดีเลย 555", "A" * 3000, "Refund?? NOW!!!",
        "ก" * 300, "ไม่ชอบ" * 40, "退款退款" * 30, "where's my order 订单在哪 ของอยู่ไหน"]  # fmt: skip


def corpus() -> list[tuple[str, str | None]]:
    """The fixed texts with their language hints (some hints deliberately wrong or missing)."""
    rows: list[tuple[str, str | None]] = []
    for name in ("en_support.csv", "zh_support.csv", "th_wisesight_heldout.csv"):
        with (DATA / name).open(encoding="utf-8") as f:
            rows.extend((r["text"], r["lang"]) for r in csv.DictReader(f))
    with (DATA / "en_amazon_ratings.tsv").open(encoding="utf-8") as f:
        rows.extend((r["text"], "en") for r in csv.DictReader(f, delimiter="\t"))
    demo = ROOT / "connectors" / "data" / "demo_messages.jsonl"
    for line in demo.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["text"], row.get("lang")))
    rows.extend((t.translate(_TRAD), "zh-Hant") for t, lang in list(rows) if lang == "zh-Hans")
    rng = random.Random(22)
    rows.extend(
        (f"{t} (order #{rng.randint(1000, 99999)})", rng.choice([lang, None, "th", "zh-TW"]))
        for t, lang in rng.sample(rows, 120)
    )
    rows.extend((t, None) for t in _ODD)
    return rows


def record(text: str, lang: str | None) -> list[Any]:
    """Everything the pipeline reads from the sentiment leaf for one message."""
    s = score(text, lang)
    cues = urgency_cues(text, s.language)
    n = len(text)
    p = rank(RankFacts(compound=s.compound, followers=n * 37, vip=n % 2 == 0, clv=n * 3.5, urgency_terms=cues,
                       waiting_minutes=n / 7, repeat_contacts=n % 5, public=n % 3 == 0))  # fmt: skip
    return [s.compound, s.label, s.language, s.confidence, list(s.reasons), list(cues),
            p.value, p.base, p.ceiling, p.curve, p.settles_in, [list(c) for c in p.components]]  # fmt: skip


def fingerprint(text: str, lang: str | None) -> list[Any]:
    """The record as stored: the score's compound, label and language to read, and a hash of
    the whole record (every float's repr, reasons, cues, the rank and its components)."""
    full = record(text, lang)
    digest = hashlib.sha256(json.dumps(full, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]
    return [full[0], full[1], full[2], digest]


def test_mixed_corpus_scores_exactly_as_recorded() -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rows = corpus()
    assert len(rows) == len(expected) > 700
    languages = {r[2] for r in expected}
    assert {"en", "zh-Hans", "zh-Hant", "th"} <= languages
    for (text, lang), want in zip(rows, expected, strict=True):
        assert fingerprint(text, lang) == want, (text, lang, record(text, lang), sentiment.NATIVE)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GOLDEN.write_text(json.dumps([fingerprint(t, lang) for t, lang in corpus()]) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} (native: {sentiment.NATIVE})")
