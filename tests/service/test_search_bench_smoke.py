"""The search-scale benchmark builds its database and every figure comes back positive (a
small build on SQLite; the figures themselves are `python -m web.bench.search_scale`'s job)."""

from __future__ import annotations

import pytest

from inbox.store.context import Inbox
from tests.processes import migrated_sqlite
from web.bench import search_scale


@pytest.mark.parametrize("backend", ["sqlite"])
def test_builds_and_measures(tmp_path, backend):
    url = migrated_sqlite(tmp_path / "bench.db")
    inbox = Inbox.from_url(url, "bench-secret")
    search_scale.build(inbox, 2_000)
    inbox.engine.dispose()
    figures = search_scale.measure(url, repeat=2)
    labels = [label for label, _, _ in figures]
    assert "search 退款" in labels and "conversation of 400: first page" in labels, labels
    assert all(p50 > 0 and p95 >= p50 for _, p50, p95 in figures)
