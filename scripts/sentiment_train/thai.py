"""Fit the Thai word model (`sentiment/thai.py`) by 4-fold cross-validation on the non-test rows.

Why its own module: Thai has too few rows for a separate validation split (about 240 valid
rows), so its settings are chosen by 4-fold CV over all its non-test rows (wisesight outside
the old model's 240 test rows, and the train and valid rows of our own Thai support messages),
and the chosen setting is then fitted on all of them. The test rows are never read here.

What CV scores is what the product does: the model's probabilities, then `scoring`'s second
opinion (the Thai support terms and 555), read as a label; the figure that chooses is macro-F1
on the wisesight rows (issue #21's Thai figure), the support rows' figure is printed beside it.
idf is computed on the training folds only, as scikit-learn's TfidfTransformer (smooth idf).
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from sentiment import corpus, thai
from sentiment.cues import term_items
from sentiment.lexicon import THAI_LAUGHTER
from sentiment.linear import CLASSES, compound_of
from sentiment.scoring import _blend, label_of

CHARS_MARGIN = 0.005  # what character grams must add to CV macro-F1 to be worth ~40 % more time
# (chars, negation scope, idf, C). Explored on the same folds (2026-12-07, branch thai, wisesight
# CV macro-F1 after the second opinion, support rows in training): words + pairs 0.611, + idf
# 0.618; + negated next word 0.611, with idf 0.623 (C=2) / 0.625 (C=4); next two words without
# idf 0.613 / 0.615, with idf C=8 0.624, next three words 0.625. With emoji as tokens of their own
# and the support terms negated after every negator, the grid below gives 0.624 / 0.624 / 0.626 /
# 0.612 (support rows 0.794 / 0.799 / 0.794 / 0.844: character grams help our support messages
# but not wisesight, which chooses).
GRID: tuple[tuple[bool, int, bool, float], ...] = (
    (False, 1, True, 2.0),
    (False, 1, True, 4.0),
    (False, 2, True, 4.0),
    (True, 1, True, 4.0),
)


def idf_of(docs: list[list[dict[str, None]]]) -> dict[str, float]:
    """Smooth idf (scikit-learn's: ln((1 + n) / (1 + df)) + 1) of every feature in `docs`."""
    df: Counter[str] = Counter()
    for blocks in docs:
        for block in blocks:
            df.update(iter(block))  # an iterable of names: a dict would be read as counts
    n = len(docs)
    return {k: math.log((1 + n) / (1 + v)) + 1.0 for k, v in df.items()}


def _values(blocks: list[dict[str, None]], idf: dict[str, float] | None) -> dict[str, float]:
    """`thai.features`' values from blocks already cut (the segmenter runs once per row)."""
    out: dict[str, float] = {}
    for block in blocks:
        values = dict.fromkeys(block, 1.0) if idf is None else {k: idf[k] for k in block if k in idf}
        if values:
            norm = math.sqrt(sum(v * v for v in values.values()))
            out.update({k: v / norm for k, v in values.items()})
    return out


def _second(text: str) -> list[tuple[str, float]]:
    items = term_items(text.lower(), "th")
    if "555" in text:
        items.append(("555", THAI_LAUGHTER))
    return items


def _labels(proba: list[tuple[float, float, float]], texts: list[str]) -> list[str]:
    return [
        label_of(max(-1.0, min(1.0, _blend(compound_of(p), _second(t)))))
        for p, t in zip(proba, texts, strict=True)
    ]


def _proba(model: LogisticRegression, x: object) -> list[tuple[float, float, float]]:
    order = [list(model.classes_).index(c) for c in CLASSES]
    return [(r[order[0]], r[order[1]], r[order[2]]) for r in model.predict_proba(x)]


def _cv(
    rows: list[corpus.LabelledText], docs: list[list[dict[str, None]]], c: float, idf: bool
) -> dict[str, float]:
    y = [r.label for r in rows]
    strata = [r.dataset + r.label for r in rows]
    proba: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(rows)
    for train, test in StratifiedKFold(4, shuffle=True, random_state=0).split(strata, strata):
        table = idf_of([docs[i] for i in train]) if idf else None
        vec = DictVectorizer()
        x = vec.fit_transform([_values(docs[i], table) for i in train])
        model = LogisticRegression(C=c, max_iter=1000, tol=1e-4, class_weight="balanced")
        model.fit(x, [y[i] for i in train])
        for i, p in zip(
            test, _proba(model, vec.transform([_values(docs[i], table) for i in test])), strict=True
        ):
            proba[i] = p
    pred = _labels(proba, [r.text for r in rows])
    out = {}
    for name in ("th_wisesight", "th_support"):
        idx = [i for i, r in enumerate(rows) if r.dataset == name]
        if idx:
            out[name] = f1_score([y[i] for i in idx], [pred[i] for i in idx], average="macro")
    return out


def fit(rows: list[corpus.LabelledText], out: Path) -> None:
    """Choose by CV, fit the choice on every non-test Thai row, write `out` (th_words.json.gz)."""
    th = [r for r in rows if r.lang == "th" and r.split != "test"]
    print(
        f"Thai: {len(th)} non-test rows ({sum(r.dataset == 'th_support' for r in th)} of our support messages)"
    )
    cut: dict[tuple[bool, int], list[list[dict[str, None]]]] = {}
    best: tuple[float, bool, int, bool, float, float] | None = None
    for chars, negation, idf, c in GRID:
        docs = cut.setdefault((chars, negation), [thai.blocks(r.text, chars, negation) for r in th])
        cv = _cv(th, docs, c, idf)
        ws, sup = cv["th_wisesight"], cv.get("th_support", float("nan"))
        print(
            f"  chars={chars} negation={negation} idf={idf} C={c}: CV wisesight {ws:.3f}, support {sup:.3f}",
            flush=True,
        )
        key = ws - (CHARS_MARGIN if chars else 0.0)
        if best is None or key > best[0]:
            best = (key, chars, negation, idf, c, sup)
    assert best is not None
    key, chars, negation, idf, c, sup = best
    ws = key + (CHARS_MARGIN if chars else 0.0)
    print(
        f"  chosen chars={chars} negation={negation} idf={idf} C={c} (CV wisesight {ws:.3f}, support {sup:.3f})"
    )
    docs = cut[(chars, negation)]
    table = idf_of(docs) if idf else None
    vec = DictVectorizer()
    x = vec.fit_transform([_values(d, table) for d in docs])
    model = LogisticRegression(C=c, max_iter=2000, tol=1e-5, class_weight="balanced")
    model.fit(x, [r.label for r in th])
    order = [list(model.classes_).index(k) for k in CLASSES]
    weights = {}
    for feature, j in vec.vocabulary_.items():
        w = [round(float(model.coef_[k, j]), 4) for k in order]
        if max(abs(v) for v in w) > 0.01:
            weights[feature] = w
    meta: dict[str, object] = {
        "C": c,
        "chars": chars,
        "negation": negation,
        "idf": idf,
        "class_weight": "balanced",
    }
    meta |= {"cv_macro_f1": round(ws, 4), "cv_support_macro_f1": round(sup, 4)}
    meta["trained_on"] = (
        "shared th/wisesight_kaggle_test.csv outside the 240 test rows (CC0-1.0) + "
        "scripts/sentiment_data/th_support_labelled.csv (train and valid splits)"
    )
    payload: dict[str, object] = {
        "weights": weights,
        "intercept": [round(float(model.intercept_[k]), 4) for k in order],
        "meta": meta,
    }
    if table is not None:  # every feature's idf, pruned or not: the norm counts them all
        payload["idf"] = {k: round(v, 4) for k, v in table.items()}
    out.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(f"  wrote {out.name}: {len(weights)} weights, {out.stat().st_size // 1024} KiB")
