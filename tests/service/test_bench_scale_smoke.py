"""`murmur bench-scale` runs end to end on a tiny year: every figure is a positive number, and a
kept year is reused, not built again.

Behaviour, not speed: the year is 1,000 messages and nothing here compares against a target. The
tiny years live apart from the real one (their own folder and database prefix), which a test must
never drop.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, PG_URL
from web.bench.scale import run_scale
from web.bench.year import Keep, Shape, drop_postgresql, key, postgresql_copy, sqlite_copy

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
    # The kept year is reused: the copy run_scale takes of it (its first step) builds nothing the
    # second time. Only that step is run again: a second whole run measured everything again with
    # a second `murmur serve` (about a minute per backend on a busy machine) and asserted nothing more.
    again: list[str] = []
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as into:
            url = sqlite_copy(SHAPE, Path(into), again.append, keep)
            assert _messages(url) == SHAPE.messages
    else:
        copy = f"{keep.prefix}_again"
        try:
            assert _messages(postgresql_copy(SHAPE, copy, again.append, keep)) == SHAPE.messages
        finally:
            drop_postgresql(copy)
    assert "built:" not in "\n".join(again)  # the kept year was reused


def _messages(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM messages")).scalar_one()
    finally:
        engine.dispose()
