"""`murmur bench-scale` runs end to end on a tiny year: every figure is a positive number, and a
kept year is reused, not built again.

Behaviour, not speed: the year is 1,000 messages and nothing here compares against a target. The
tiny years live apart from the real one (their own folder and database prefix), which a test must
never drop.
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import BACKENDS, PG_URL
from web.bench.scale import run_scale
from web.bench.year import Keep, Shape, drop_postgresql, key

SHAPE = Shape(messages=1000, conversations=100, teams=2, agents=4, days=20)


@pytest.mark.timeout(900)  # builds a year, starts `murmur serve` per backend: minutes when loaded
@pytest.mark.parametrize("backend", BACKENDS)
def test_bench_scale_measures_every_figure_on_a_tiny_year(backend, tmp_path, monkeypatch):
    if backend == "postgresql":
        monkeypatch.setattr("web.bench.year.PG_SERVER", PG_URL.rsplit("/", 1)[0])
    keep = Keep(tmp_path / "kept", f"{PG_URL.rsplit('/', 1)[1]}_smoke")
    try:
        _runs_and_reuses(backend, keep)
    finally:
        if backend == "postgresql":  # the tiny kept year goes with the test
            drop_postgresql(f"{keep.prefix}_{key(SHAPE)}")


def _runs_and_reuses(backend: str, keep: Keep) -> None:
    lines: list[str] = []
    figures = run_scale((backend,), SHAPE, 4, lines.append, keep)
    names = " | ".join(f.name for f in figures)
    for part in ("bare endpoint", "ranked list", "search refund", "search 退款", "search ขอบคุณ",
                 "dashboard, 30 days", "dashboard, 365 days", "ingest, one per batch"):  # fmt: skip
        assert part in names, names
    for f in figures:
        assert math.isfinite(f.value) and f.value > 0, f
        assert f.baseline is None or (math.isfinite(f.baseline) and f.baseline > 0), f
    assert "built:" in "\n".join(lines)
    again: list[str] = []
    run_scale((backend,), SHAPE, 2, again.append, keep)
    assert "built:" not in "\n".join(again)  # the kept year was reused
