"""The labelled sets we may learn from, with one fixed train / validation / test split.

Why one module: the training script (`scripts/train_sentiment.py`), `murmur eval-sentiment`
and the tests must agree on which rows training never saw. The split is a pure function of
(data set, row number), so the Traditional rows (OpenCC conversions of the Simplified files,
row for row) fall on the same side as their Simplified originals, and a row never moves
between runs. Test = 20 %, validation = 10 %, train = 70 %; Thai keeps the 240 rows that the
first Thai model (character n-grams, replaced by the word model of `sentiment/thai.py`) held
out as its test rows, so its figure stays comparable.

English ratings are VADER's human means on -4..4: |mean| < 0.5 is neutral (about a fifth
of the rows), otherwise the sign decides.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NEUTRAL_RATING = 0.5
THAI_TEST_SEED = 20251125
THAI_TEST_ROWS = 240
_ZH_FILES = (
    ("zh_hotel", "zh/chnsenticorp_htl_sample4000.csv", "zh_hant/chnsenticorp_htl_sample4000_s2twp.csv"),
    ("zh_waimai", "zh/waimai_10k_sample4000.csv", "zh_hant/waimai_10k_sample4000_s2twp.csv"),
    ("zh_weibo", "zh/weibo_senti_100k_subset2400.csv", "zh_hant/weibo_subset2400_s2twp.csv"),
    ("zh_shopping", "zh/online_shopping_10_cats_sample5000.csv", None),
)
_EN_FILES = (
    ("en_movie", "vader/movieReviewSnippets_GroundTruth.txt"),
    ("en_amazon", "vader/amazonReviewSnippets_GroundTruth.txt"),
    ("en_nyt", "vader/nytEditorialSnippets_GroundTruth.txt"),
)
_LABELS = {"pos": "positive", "neu": "neutral", "neg": "negative", "1": "positive", "0": "negative",
           "positive": "positive", "neutral": "neutral", "negative": "negative"}  # fmt: skip


@dataclass(frozen=True)
class LabelledText:
    """One labelled row and where it comes from; `rating` is VADER's human mean when given."""

    text: str
    label: str
    lang: str
    dataset: str
    split: str  # "train" | "valid" | "test"
    rating: float | None = None


def split_of(dataset: str, index: int) -> str:
    """The fixed split of row `index` of `dataset` (a stable hash, not Python's salted one)."""
    digest = hashlib.blake2b(f"{dataset}:{index}".encode(), digest_size=4).digest()
    bucket = int.from_bytes(digest, "big") % 100
    return "test" if bucket < 20 else "valid" if bucket < 30 else "train"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _english(root: Path) -> Iterator[LabelledText]:
    for name, rel in _EN_FILES:
        path = root / rel
        if not path.exists():
            continue
        raw = path.read_bytes().decode("utf-8", "replace")
        for i, line in enumerate(raw.splitlines()):
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            try:
                mean = float(parts[1])
            except ValueError:
                continue
            label = "neutral" if abs(mean) < NEUTRAL_RATING else "positive" if mean > 0 else "negative"
            yield LabelledText(parts[2].strip(), label, "en", name, split_of(name, i), mean)


def _chinese(root: Path) -> Iterator[LabelledText]:
    for name, simplified, traditional in _ZH_FILES:
        for rel, lang in ((simplified, "zh-Hans"), (traditional, "zh-Hant")):
            if rel is None or not (root / rel).exists():
                continue
            for i, rec in enumerate(_csv(root / rel)):
                label = _LABELS.get((rec.get("label") or "").strip())
                text = (rec.get("review") or "").strip()
                if label and text:
                    yield LabelledText(text, label, lang, name, split_of(name, i))


def _thai(root: Path) -> Iterator[LabelledText]:
    path = root / "th/wisesight_kaggle_test.csv"
    if not path.exists():
        return
    rows = [r for r in _csv(path) if r.get("label") in ("pos", "neu", "neg")]
    random.Random(THAI_TEST_SEED).shuffle(rows)  # the old Thai model's seeded hold-out, unchanged
    for i, rec in enumerate(rows):
        split = "test" if i < THAI_TEST_ROWS else "valid" if split_of("th", i) == "valid" else "train"
        yield LabelledText(rec["text"], _LABELS[rec["label"]], "th", "th_wisesight", split)


def own_labelled(directory: Path) -> Iterator[LabelledText]:
    """Support messages the project wrote and labelled itself (`<lang>_support_labelled.csv`)."""
    for path in sorted(directory.glob("*_support_labelled.csv")):
        family = path.name.split("_", 1)[0]
        lang = "zh-Hans" if family == "zh" else family
        name = f"{family}_support"
        for i, rec in enumerate(_csv(path)):
            label = _LABELS.get((rec.get("label") or "").strip())
            if label and rec.get("text"):
                yield LabelledText(rec["text"], label, lang, name, split_of(name, i))


def load(root: str | Path, own: str | Path | None = None) -> list[LabelledText]:
    """Every labelled row under the shared data directory `root` (and `own`), with its split."""
    base = Path(root)
    rows = [*_english(base), *_chinese(base), *_thai(base)]
    if own is not None and Path(own).is_dir():
        rows.extend(own_labelled(Path(own)))
    return rows
