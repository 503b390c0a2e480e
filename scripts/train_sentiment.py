"""Train the English support model, the Chinese character-gram model and the Thai word model
(`make train-sentiment`).

Why offline: fitting takes scikit-learn and a minute; the product only reads the weights
(`sentiment/data/en_support.json.gz`, `sentiment/data/zh_chargram.json.gz`, run by
`sentiment.linear` in plain Python). Data, and only this data (issue #21's rules): the
shared labelled sets under ../shared/data/sentiment/ on their *train* rows, and the support
messages we labelled ourselves (scripts/sentiment_data/). The regularisation and the weight
of our support rows are chosen on the *valid* rows (Chinese: on cross-validation of the train
rows plus the valid rows, `scripts/sentiment_train/chinese.py`); the *test* rows
(`sentiment.corpus`) are never read here. `murmur eval-sentiment` reports on them.

English is chosen by 5-fold cross-validation over our non-test support rows beside the review
sets' valid rows, and fitted on every non-test support row (`sentiment_train/english.py`).

Thai has too few rows for a separate validation split to choose by (about 240), so its
blocks, negation scope, idf and regularisation are chosen by 4-fold cross-validation over all
its non-test rows, and the chosen setting is then fitted on all of them
(`scripts/sentiment_train/thai.py`).

Run: .venv/bin/pip install -e '.[train]' && .venv/bin/python scripts/train_sentiment.py [SHARED_DIR] [--only=en|zh|th]
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from sentiment import corpus  # noqa: E402
from sentiment.linear import CLASSES  # noqa: E402

_ARGS = [a for a in sys.argv[1:] if not a.startswith("--only=")]
ONLY = next((a.removeprefix("--only=") for a in sys.argv[1:] if a.startswith("--only=")), None)
SHARED = Path(_ARGS[0] if _ARGS else "/work/shared/data/sentiment")
OWN = ROOT / "scripts" / "sentiment_data"
DATA = ROOT / "sentiment" / "data"


def _fit(
    rows: list[corpus.LabelledText],
    featurize: Callable[[str], dict[str, float]],
    grid: list[tuple[float, float, str | None]],
    score_valid: Callable[[Callable[[list[dict[str, float]]], list[str]]], float],
    min_df: int = 1,
    keep: Callable[[str], bool] = lambda _k: False,
) -> tuple[DictVectorizer, LogisticRegression, dict[str, object]]:
    train = [r for r in rows if r.split == "train"]
    feats = [featurize(r.text) for r in train]
    if min_df > 1:
        df: dict[str, int] = {}
        for f in feats:
            for k in f:
                df[k] = df.get(k, 0) + 1
        feats = [
            {k: v for k, v in f.items() if df[k] >= min_df or k.startswith("_") or keep(k)} for f in feats
        ]
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    y = [r.label for r in train]
    best: tuple[float, float, float, LogisticRegression] | None = None
    for c, support_weight, class_weight in grid:
        weights = [support_weight if r.dataset.endswith("_support") else 1.0 for r in train]
        model = LogisticRegression(C=c, max_iter=600, tol=1e-3, class_weight=class_weight)
        model.fit(x, y, sample_weight=weights)

        def predict(fs: list[dict[str, float]], m: LogisticRegression = model) -> list[str]:
            return list(m.predict(vec.transform(fs)))

        value = score_valid(predict)
        print(f"  C={c} support x{support_weight} classes {class_weight}: valid {value:.3f}", flush=True)
        if best is None or value > best[0]:
            best = (value, c, support_weight, class_weight, model)
    assert best is not None
    value, c, support_weight, class_weight, model = best
    print(f"  chosen C={c} support x{support_weight} classes {class_weight} (valid {value:.3f})")
    meta = {"C": c, "support_weight": support_weight, "class_weight": class_weight}
    return vec, model, meta | {"valid_macro_f1": round(value, 4)}


def _valid_f1(
    rows: list[corpus.LabelledText], featurize: Callable[[str], dict[str, float]], groups: list[str]
):  # type: ignore[no-untyped-def]
    """Mean macro-F1 over the valid rows: the review groups' mean and the support groups' mean, halved."""
    cached = {
        g: [(featurize(r.text), r.label) for r in rows if r.split == "valid" and r.dataset.startswith(g)]
        for g in groups
    }

    def score(predict: Callable[[list[dict[str, float]]], list[str]]) -> float:
        values: dict[bool, list[float]] = {True: [], False: []}
        for group, pairs in cached.items():
            if pairs:
                pred = predict([f for f, _ in pairs])
                support = group.endswith(("_support", "_probe"))
                values[support].append(f1_score([lab for _, lab in pairs], pred, average="macro"))
        # Support messages are the product's traffic: they weigh as much as all review sets together.
        means = [sum(v) / len(v) for v in values.values() if v]
        return sum(means) / len(means)

    return score


def _write(
    name: str, vec: DictVectorizer, model: LogisticRegression, meta: dict[str, object], prune: float = 0.0
) -> None:
    order = [list(model.classes_).index(c) if c in model.classes_ else None for c in CLASSES]
    weights = {}
    for feature, j in vec.vocabulary_.items():
        w = [round(float(model.coef_[k, j]), 4) if k is not None else 0.0 for k in order]
        if max(abs(v) for v in w) > prune:
            weights[feature] = w
    # A class absent from training (binary data) gets a very low intercept: never predicted.
    intercept = [round(float(model.intercept_[k]), 4) if k is not None else -30.0 for k in order]
    if len(model.classes_) == 2:  # scikit-learn's binary form: one row of weights for the 2nd class
        raise SystemExit("expected three classes")
    payload = {"weights": weights, "intercept": intercept, "meta": meta}
    out = DATA / f"{name}.json.gz"
    out.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(f"  wrote {out.relative_to(ROOT)}: {len(weights)} weights, {out.stat().st_size // 1024} KiB")


def _emoji_rows() -> list[corpus.LabelledText]:
    """One row per emoji of our emoji table, labelled by the sign of its valence.

    Why: the labelled sets have almost no emoji, so without these the model would not know
    that a lone 😂 or 😡 says anything; the table is the project's own labelling.
    """
    from sentiment.lexicon import EMOJI

    out = []
    for emoji, value in EMOJI.items():
        label = "positive" if value >= 0.2 else "negative" if value <= -0.2 else "neutral"
        out.append(corpus.LabelledText(emoji, label, "en", "emoji_support", "train"))
    return out


def _probe_rows() -> list[corpus.LabelledText]:
    """The unit tests' support probes (tests/data/sentiment), as extra validation rows only.

    Why: our own support messages give ~15 validation rows per language, too few to choose by;
    the probes (written for Murmur; the old English lexicon was tuned on them, so they are no
    test set) are never trained on.
    """
    import csv

    out = []
    for family in ("en", "zh"):
        path = ROOT / "tests" / "data" / "sentiment" / f"{family}_support.csv"
        with path.open(encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                lang = rec.get("lang") or family
                out.append(corpus.LabelledText(rec["text"], rec["label"], lang, f"{family}_probe", "valid"))
    return out


def main() -> None:
    if not SHARED.is_dir():
        raise SystemExit(f"no labelled data at {SHARED}: give the shared sentiment directory as the argument")
    rows = corpus.load(SHARED, OWN) + _probe_rows()
    print(f"{len(rows)} rows; train {sum(r.split == 'train' for r in rows)}")

    if ONLY in (None, "en"):
        _english(rows)
    if ONLY in (None, "zh"):
        _chinese(rows)
    if ONLY in (None, "th"):
        _thai(rows)


def _english(rows: list[corpus.LabelledText]) -> None:
    """English: chosen by cross-validation on our support rows (`sentiment_train/english.py`)."""
    from sentiment_train.english import fit_english  # scripts/ is on sys.path when run as a script

    print("English (VADER snippets + our support messages; 5-fold CV over the support rows)")
    en = [r for r in rows if r.lang == "en"]
    probes = [r for r in en if r.dataset == "en_probe"]
    vec, model, meta = fit_english([r for r in en if r.dataset != "en_probe"], _emoji_rows(), probes)
    _write("en_support", vec, model, meta, prune=0.02)


def _chinese(rows: list[corpus.LabelledText]) -> None:
    """Chinese: chosen and fitted in `scripts/sentiment_train/chinese.py` (worst review set on valid)."""
    from sentiment_train import chinese

    chinese.fit(rows, lambda name, vec, model, meta, prune: _write(name, vec, model, meta, prune=prune))


def _thai(rows: list[corpus.LabelledText]) -> None:
    """Thai: chosen by 4-fold CV on the non-test rows (`scripts/sentiment_train/thai.py`)."""
    from sentiment_train import thai  # scripts/ is on sys.path when this script runs

    print("Thai (wisesight rows outside the test split + our Thai support messages)")
    thai.fit(rows, DATA / "th_words.json.gz")


if __name__ == "__main__":
    main()
