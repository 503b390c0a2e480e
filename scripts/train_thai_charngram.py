"""Train the Thai char-n-gram model shipped in sentiment/data/th_charngram.json.gz.

Why: no packaged Thai sentiment model installs and imports offline (reference
notes §5); a char 1-3-gram TF-IDF + logistic regression needs no word
segmentation (Thai has no spaces) and ran about as well as the best package.
Data: PyThaiNLP/wisesight-sentiment kaggle test split (CC0-1.0), the only Thai
labelled set we have locally. A fixed, seeded split keeps 240 rows out of
training; they are shipped as tests/data/sentiment/th_wisesight_heldout.csv.
Run: .venv/bin/python scripts/train_thai_charngram.py [SRC_CSV]
Needs scikit-learn at training time only; inference is pure Python.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import sys
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/sentiment/th/wisesight_kaggle_test.csv")
OUT = ROOT / "sentiment" / "data" / "th_charngram.json.gz"
HELDOUT = ROOT / "tests" / "data" / "sentiment" / "th_wisesight_heldout.csv"
CLASSES = ["neg", "neu", "pos"]


def main() -> None:
    rows = [r for r in csv.DictReader(SRC.open(encoding="utf-8")) if r["label"] in CLASSES]
    random.Random(20251125).shuffle(rows)
    held, train = rows[:240], rows[240:]
    texts = [r["text"] for r in train]
    labels = [r["label"] for r in train]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vec.fit_transform(texts)
    model = LogisticRegression(C=4.0, max_iter=2000)
    pred = cross_val_predict(model, x, labels, cv=5)
    print(
        f"5-fold CV on train: acc {accuracy_score(labels, pred):.3f} macro-F1 {f1_score(labels, pred, average='macro'):.3f}"
    )
    model.fit(x, labels)
    xh = vec.transform([r["text"] for r in held])
    ph = model.predict(xh)
    gold = [r["label"] for r in held]
    print(
        f"held-out {len(held)}: acc {accuracy_score(gold, ph):.3f} macro-F1 {f1_score(gold, ph, average='macro'):.3f}"
    )
    assert list(model.classes_) == CLASSES
    features = {}
    for gram, j in vec.vocabulary_.items():
        coef = [round(float(model.coef_[k, j]), 4) for k in range(3)]
        features[gram] = [round(float(vec.idf_[j]), 4), *coef]
    payload = {
        "source": "PyThaiNLP/wisesight-sentiment kaggle-competition test split (CC0-1.0), 240 rows held out",
        "ngram_range": [1, 3],
        "classes": CLASSES,
        "intercept": [round(float(v), 5) for v in model.intercept_],
        "features": features,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(features)} n-grams)")
    HELDOUT.parent.mkdir(parents=True, exist_ok=True)
    names = {"neg": "negative", "neu": "neutral", "pos": "positive"}
    with HELDOUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "lang"])
        for r in held:
            w.writerow([r["text"], names[r["label"]], "th"])


if __name__ == "__main__":
    main()
