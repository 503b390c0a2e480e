"""SQLite WAL checkpoints happen on the background thread and keep the WAL from growing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inbox.store import wal_checkpoint
from inbox.store.db import make_engine

BATCH_ROWS = 50  # about 100 KB a batch


def _write_batch(engine, n: int = BATCH_ROWS) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO t (body) VALUES " + ", ".join(["(?)"] * n),
            tuple(os.urandom(1000).hex() for _ in range(n)),
        )


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(wal_checkpoint, "KICK_BYTES", 256 * 1024)
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    yield engine
    engine.dispose()


def test_writers_leave_checkpoints_to_the_thread(engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == wal_checkpoint.BACKSTOP_PAGES


def test_commits_wake_the_checkpointer_and_the_wal_stays_small(engine) -> None:
    path = engine.url.database
    kicks = 0
    for _ in range(60):  # ~6 MB written: with only the backstop the WAL would pass 5 MB
        _write_batch(engine)
        worker = wal_checkpoint._checkpointers.get(path)
        if worker is not None and not worker.checkpointed.is_set():  # woken by this batch's check-in
            assert worker.checkpointed.wait(10), "the checkpointer did not run"
            kicks += 1
    assert kicks >= 5
    assert os.stat(path + "-wal").st_size < 4 * wal_checkpoint.KICK_BYTES
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 60 * BATCH_ROWS
