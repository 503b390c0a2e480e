from __future__ import annotations

from sentiment.bench import compare_with_raw_vader


def test_bench_reports_rates_and_ratio() -> None:
    out = compare_with_raw_vader(["I love it", "Still waiting for my refund!!"], seconds=0.2, rounds=1)
    assert out["ours_per_s"] > 0 and out["raw_vader_per_s"] > 0
    assert out["ratio"] == out["ours_per_s"] / out["raw_vader_per_s"]
