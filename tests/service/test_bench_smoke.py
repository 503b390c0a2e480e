"""`murmur bench` still runs end to end: every figure comes back as a positive number.

Behaviour, not speed: the sizes are tiny and nothing here compares against a target.
"""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from web import bench
from web.cli import main


def _positive(*values: float) -> bool:
    return all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in values)


# Every figure starts its own servers and databases, and (f) builds a small year: minutes on a busy
# 2-core machine, past the default 120 s.
@pytest.mark.timeout(900)
def test_quick_run_measures_every_figure_as_a_positive_number():
    lines: list[str] = []
    figures = bench.run_all(quick=True, out=lines.append)
    names = [f.name for f in figures]
    for name in (
        "(a) ingest",
        "(b) webhook -> message.created p99",
        "(c) sentiment.score",
        "(d) escalation.evaluate",
        "(d) webhook -> conversation.assigned p99",
        "(d) poll + ingest",
        "(e) webhook beside dashboards p99",
        "(e) reports, 365 days",
        "(f) SQLite dashboard 365 d: figures",
    ):
        assert any(n.startswith(name) for n in names), names
    for f in figures:
        assert _positive(f.value), f
        assert f.baseline is None or _positive(f.baseline, f.ratio), f
    compared = [f for f in figures if f.baseline is not None]
    assert compared, "no figure has a same-run baseline: no ratio was computed"
    for f in compared:
        assert f.ratio == f.value / f.baseline and f.baseline_name, f
        assert not f.target or f.ok in (True, False), f  # a target is judged, never left open
    report = "\n".join(lines)
    assert "cores" in lines[0] and "Python" in lines[0]
    assert all(f.name in report for f in figures)
    table = bench.table(figures)
    assert all(f"{f.ratio:.2f}x" in table for f in compared)  # the printed ratios are the computed ones


def test_murmur_bench_is_a_command():
    res = CliRunner().invoke(main, ["bench", "--help"])
    assert res.exit_code == 0 and "--quick" in res.output


def test_texts_mix_languages_and_vary():
    corpus = bench.texts(300)
    assert {lang for _, lang in corpus} >= {"en", "th", "zh-Hans"}
    assert len({t for t, _ in corpus}) > 150
    assert all(lang == "en" for _, lang in bench.texts(10)[:5])


def test_table_has_one_line_per_figure_with_baseline_and_ratio():
    figs = [bench.Figure("a", 10.0, "msg/s", 40.0, "raw", ">= 0.20x", True), bench.Figure("b", 3.0, "ms")]
    out = bench.table(figs).splitlines()
    assert out[0].split()[:2] == ["figure", "value"]
    assert "0.25x" in out[2] and out[2].endswith("ok")
    assert out[3].split()[:3] == ["b", "3.0", "ms"]
