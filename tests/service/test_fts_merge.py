"""The periodic FTS5 merge job: a fragmented search index gets merged in short write
transactions, search answers the same afterwards, and a busy writer is never waited for."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from inbox.search import merge
from inbox.search import service as search
from inbox.store.context import Inbox
from tests.service.conftest import World, message
from tests.service.test_sqlite_locking import (  # noqa: F401 - the fixtures
    WriteLockHolder,
    _signed_post,
    lite,
    sqlite_app,
)

COMMITS = 24  # separate commits, each leaving a segment when automerge is off


def _segments(inbox: Inbox, table: str = "messages_fts") -> int:
    """How many b-trees (segments) the FTS5 index holds: the distinct segids of its %_idx table."""
    with inbox.read() as s:
        return s.scalar(text(f"SELECT count(DISTINCT segid) FROM {table}_idx"))


def _fragment(inbox: Inbox, app: Any) -> int:
    """Messages ingested one commit at a time with FTS5's own merging off, as a big import in
    many commits leaves the index (the merge work owed to later writers)."""
    with inbox.unit_of_work() as uow:
        for table in ("messages_fts", "messages_grams"):
            uow.session.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)"))
            uow.session.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('crisismerge', 64)"))
    world = World(inbox, app)
    agent = world.agent("admin")
    channel_id, secret = world.webhook_channel()
    client = app.test_client()
    for i in range(COMMITS):
        body = message(f"m{i}", f"refund number {i} 退款 please", author=f"a{i}")
        assert _signed_post(client, channel_id, secret, body).status_code == 200
    return agent["id"]


def test_the_job_merges_a_fragmented_index_in_short_steps(lite, sqlite_app) -> None:  # noqa: F811
    agent = _fragment(lite, sqlite_app)
    before = _segments(lite)
    assert before >= COMMITS  # one segment per commit at least
    found = search.search(lite, agent, "refund", 50)
    grams = search.search(lite, agent, "退款", 50)
    assert len(found["conversations"]) == len(grams["conversations"]) == COMMITS

    transactions: list[Any] = []

    def committed(conn: Any) -> None:
        transactions.append(conn)

    event.listen(lite.engine, "commit", committed)
    try:
        steps = merge.merge_indexes(lite, pages=4)
    finally:
        event.remove(lite.engine, "commit", committed)
    assert steps > 1
    assert len(transactions) >= steps  # every step committed on its own: the lock was let go between
    after = _segments(lite)
    assert after < before / 4
    with lite.unit_of_work() as uow:  # nothing left that a positive merge would do
        dbapi = uow.session.connection().connection.dbapi_connection
        assert not merge.merge_step(dbapi, "messages_fts", 4)
    assert search.search(lite, agent, "refund", 50) == found
    assert search.search(lite, agent, "退款", 50) == grams
    assert merge.merge_indexes(lite) == 0  # merged: the next run finds nothing to do


def test_the_job_stops_at_its_budget(lite, sqlite_app) -> None:  # noqa: F811
    _fragment(lite, sqlite_app)
    before = _segments(lite)
    ticks = iter(range(1000))
    spent = merge.merge_indexes(lite, budget=1, clock=lambda: float(next(ticks)))
    assert spent == 0  # the clock read 0 (deadline 1), then 1: out of time before any step
    assert _segments(lite) == before
    assert merge.merge_indexes(lite) > 0  # the next run, with time, does the work


def test_the_job_never_waits_for_a_writer(lite, sqlite_app) -> None:  # noqa: F811
    _fragment(lite, sqlite_app)
    before = _segments(lite)
    holder = WriteLockHolder(lite.engine.url.database)
    try:
        assert merge.merge_indexes(lite) == 0  # "database is locked" after the busy timeout if it waited
    finally:
        holder.release()
    assert _segments(lite) == before
    assert merge.merge_indexes(lite) > 0


def test_merge_step_reports_work_as_fts5_documents(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(body)")
    conn.execute("INSERT INTO f(f, rank) VALUES ('automerge', 0)")
    for i in range(8):
        conn.execute("INSERT INTO f(body) VALUES (?)", (f"word{i} shared",))
    assert conn.execute("SELECT count(DISTINCT segid) FROM f_idx").fetchone()[0] == 8
    assert merge.merge_step(conn, "f", 100)
    assert conn.execute("SELECT count(DISTINCT segid) FROM f_idx").fetchone()[0] < 8
    while merge.merge_step(conn, "f", 100):
        pass
    assert not merge.merge_step(conn, "f", 100)
    assert conn.execute("SELECT count(*) FROM f WHERE f MATCH 'shared'").fetchone()[0] == 8
    conn.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_job_is_a_no_op_without_fts5(inbox: Inbox, backend: str) -> None:
    assert merge.merge_indexes(inbox) == 0


def _dbapi(uow: Any) -> sqlite3.Connection:
    return uow.session.connection().connection.dbapi_connection


def _levels(inbox: Inbox, table: str) -> int:
    with inbox.unit_of_work() as uow:
        levels = merge.structure_levels(_dbapi(uow), table)
    assert levels is not None
    return levels


@pytest.mark.parametrize("table", ["messages_fts", "messages_grams"])  # external content, own content
def test_a_merged_index_is_lifted_to_its_level_with_the_same_content(lite, sqlite_app, table) -> None:  # noqa: F811
    agent = _fragment(lite, sqlite_app)
    with lite.unit_of_work() as uow:
        _dbapi(uow).execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # as a backfill leaves it
    before = _levels(lite, table)
    assert before == 1  # one segment, on level 0
    found = search.search(lite, agent, "refund", 50)
    grams = search.search(lite, agent, "退款", 50)
    with lite.unit_of_work() as uow:
        rounds = merge.lift_merged_index(_dbapi(uow), table)
        pages = _dbapi(uow).execute(f"SELECT count(*) FROM {table}_data").fetchone()[0]
    assert rounds >= 1
    after = _levels(lite, table)
    assert after > before
    assert 4 ** (after - 1) >= pages  # the segment's level: log4 of its pages, at least
    assert _segments(lite, table) == 1  # still one segment: the throwaway entry cancelled out
    with lite.unit_of_work() as uow:  # FTS5's own check of the index against its content
        _dbapi(uow).execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    assert search.search(lite, agent, "refund", 50) == found
    assert search.search(lite, agent, "退款", 50) == grams
    assert search.search(lite, agent, "xyzzy", 50)["conversations"] == []
    with lite.unit_of_work() as uow:  # lifted already: nothing more to do
        assert merge.lift_merged_index(_dbapi(uow), table) == 0


SMALL_COMMITS = 100  # FTS5 merges once 64 leaf pages were written since its last merge
BULK = 30_000  # rows of the bulk commit, each with a key of its own: an index of many pages


def test_the_next_small_commits_leave_the_lifted_segment_alone(lite) -> None:  # noqa: F811
    """The cost removed: after a bulk import, automerge rewrites the whole index within the next
    small commits; lifted, those commits merge only their own small segments (counted as the
    rows FTS5 writes, SQLite's total_changes, which FTS5 itself uses to tell merge work)."""

    def written_by_small_commits(table: str, lift: bool) -> tuple[int, int]:
        with lite.unit_of_work() as uow:  # a bulk import: one commit, one segment on level 0
            _dbapi(uow).executemany(
                f"INSERT INTO {table}(rowid, grams) VALUES (?, ?)",
                [(i, f"k{i} k{i % 97} common") for i in range(1, BULK)],
            )
        with lite.unit_of_work() as uow:
            assert merge.structure_levels(_dbapi(uow), table) == 1
            pages = _dbapi(uow).execute(f"SELECT count(*) FROM {table}_data").fetchone()[0]
            if lift:
                assert merge.lift_merged_index(_dbapi(uow), table) >= 1
        changes = 0
        for i in range(SMALL_COMMITS):  # one entry per commit, as webhooks make
            with lite.unit_of_work() as uow:
                dbapi = _dbapi(uow)
                before = dbapi.total_changes
                dbapi.execute(
                    f"INSERT INTO {table}(rowid, grams) VALUES (?, ?)", (BULK + i, f"new{i} common")
                )
            changes += dbapi.total_changes - before
        return changes, pages

    bare, pages = written_by_small_commits("customers_grams", lift=False)
    lifted, same_pages = written_by_small_commits("identities_grams", lift=True)
    assert pages == same_pages > 40
    assert bare - lifted >= pages, (bare, lifted, pages)  # the whole bulk index rewritten at least once more
