"""Held-out evaluation: the split is fixed and disjoint, macro-F1 and its interval are right."""

from __future__ import annotations

from pathlib import Path

from sentiment import corpus, heldout

OWN = Path(__file__).resolve().parents[3] / "scripts" / "sentiment_data"


def test_split_is_stable_and_proportioned():
    splits = [corpus.split_of("x", i) for i in range(5000)]
    assert splits == [corpus.split_of("x", i) for i in range(5000)]
    assert 0.17 < splits.count("test") / 5000 < 0.23
    assert 0.08 < splits.count("valid") / 5000 < 0.12


def test_own_labelled_rows_have_all_three_splits_and_labels():
    rows = list(corpus.own_labelled(OWN))
    assert {r.lang for r in rows} == {"en", "zh-Hans", "th"}
    for dataset in ("en_support", "zh_support", "th_support"):
        own = [r for r in rows if r.dataset == dataset]
        assert {r.label for r in own} == {"negative", "neutral", "positive"}, dataset
        assert {r.split for r in own} == {"train", "valid", "test"}, dataset


def test_macro_f1_averages_the_gold_classes():
    gold = ["positive", "positive", "negative", "negative"]
    assert heldout.macro_f1(gold, gold) == 1.0
    # a neutral guess on a binary set is wrong, and neutral is not a class of the average
    assert heldout.macro_f1(gold, ["positive", "neutral", "negative", "negative"]) == (2 / 3 + 1.0) / 2


def test_bootstrap_interval_contains_the_value():
    gold = ["positive"] * 30 + ["negative"] * 30
    pred = ["positive"] * 25 + ["negative"] * 35
    fig = heldout.bootstrap(gold, pred)
    assert fig.low <= fig.value <= fig.high and fig.high - fig.low > 0.02
