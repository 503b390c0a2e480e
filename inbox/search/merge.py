"""Merge SQLite's FTS5 search indexes a little at a time, as a periodic job.

FTS5 writes each commit's new entries as a small segment and merges segments as it goes
(`automerge`), a bit at every later commit. A database that received a big import in a few
large commits (a migration's backfill, a bulk load like `make bench-scale`'s year) is left with
that merge work owed, and the next writers pay for it inside their own commits: on the bulk-built
one-year database, a one-message webhook ingest ran at 0.6x of an empty database until the
index was merged (docs/year-of-traffic.md). `optimize` merges everything at once, but holds the
write lock for as long as that takes (10.8 s on that index), which would hold up every webhook.

So the `merge_fts` job does the owed work in small steps, `INSERT INTO t(t, rank)
VALUES('merge', STEP_PAGES)`, each in its own short write transaction that it takes only if no
other writer holds the lock (`unit_of_work(wait=False)`): a webhook waits at most one step, and
a busy database simply gets its merge at a later run. FTS5 reports whether a step did any work
(two or more changes counted by `total_changes`), and a table whose step did none is done until
it is written again. PostgreSQL has no FTS5 (its GIN indexes are kept by autovacuum): a no-op.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from inbox.store.context import Inbox
from inbox.store.db import is_lock_timeout

STEP_PAGES = 64  # pages (4 KiB by default) merged per write transaction: milliseconds of lock
BUDGET_SECONDS = 2.0  # a run stops after this much merging; the next run goes on


def fts_tables(inbox: Inbox) -> list[str]:
    """The FTS5 tables of the database (search on messages, customers, identities, files)."""
    with inbox.read() as s:
        return list(
            s.scalars(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%' ORDER BY name"
                )
            )
        )


def merge_step(dbapi_conn: sqlite3.Connection, table: str, pages: int = STEP_PAGES) -> bool:
    """One bounded step of merging `table`'s segments inside the caller's write transaction;
    True when it did work (FTS5's documented test: `total_changes` grew by two or more)."""
    before = dbapi_conn.total_changes
    dbapi_conn.execute(f'INSERT INTO "{table}"("{table}", rank) VALUES (\'merge\', ?)', (pages,))
    return dbapi_conn.total_changes - before >= 2


def merge_indexes(
    inbox: Inbox,
    pages: int = STEP_PAGES,
    budget: float = BUDGET_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """The job: merge every FTS5 table in steps of `pages`, one short write transaction each,
    until nothing is owed or `budget` seconds are spent; returns the steps that did work. When
    another writer holds the lock it returns at once (the next run continues)."""
    if inbox.dialect != "sqlite":
        return 0
    steps = 0
    deadline = clock() + budget
    for table in fts_tables(inbox):
        while clock() < deadline:
            try:
                with inbox.unit_of_work(wait=False) as uow:
                    dbapi = uow.session.connection().connection.dbapi_connection
                    worked = merge_step(dbapi, table, pages)  # type: ignore[arg-type]
            except OperationalError as exc:
                if is_lock_timeout(exc):
                    return steps
                raise
            if not worked:
                break
            steps += 1
    return steps


# --- after a big import: the merged index on the level a history of small commits gives it ---

LEVEL_FANOUT = 4  # FTS5's default automerge: a level's segments are merged once it holds 4
_DUMMY_ROWID = -1  # no row of ours has it (ids start at 1)
_DUMMY_TEXT = "xyzzy"  # gives a key under every tokenizer we use (trigram, ascii)


def structure_levels(dbapi_conn: sqlite3.Connection, table: str) -> int | None:
    """How many levels `table`'s FTS5 structure has, from its structure record (rowid 10 of
    `<table>_data`: a 4-byte cookie, in newer SQLite versions a 0xff000001 marker, then the level
    count as a varint); None if the record is missing or not in that form."""
    row = dbapi_conn.execute(f'SELECT block FROM "{table}_data" WHERE id = 10').fetchone()
    if not row or not isinstance(row[0], bytes) or len(row[0]) < 5:
        return None
    block = row[0]
    i = 8 if block[4:8] == b"\xff\x00\x00\x01" else 4
    value = 0
    for k, byte in enumerate(block[i : i + 9]):
        if k == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    return None


def lift_merged_index(dbapi_conn: sqlite3.Connection, table: str, max_rounds: int = 12) -> int:
    """Put a merged FTS5 index on the level its size would have reached through small commits;
    returns the rounds it took (each rewrites the index once, so call it right after `optimize`).

    Why: FTS5 keeps its segments on levels and merges a level's segments once it holds
    `automerge` (4) of them. Written commit by commit, a big segment only exists after many merges,
    so it sits high (level ~ log4 of its pages) and is rewritten rarely. A big import, or
    `optimize` of one, leaves the whole index as one segment on a low level (level 0 for a single
    bulk commit); the next few writers' small segments join it there, and automerge rewrites the
    whole index at their 4th, 16th, 64th... commit. On the bulk-built one-year database that was
    most of what a one-message ingest paid for the year's history (customers' and identities'
    indexes of 185 to 1,096 pages on levels 0 to 3: docs/year-of-traffic.md).

    How, with FTS5's own commands only: `optimize` moves the merged segment above the highest
    level in use, so each round writes a throwaway entry (one segment on level 0) and its delete,
    then optimizes; the entry and its delete cancel in the merge, so the content is unchanged."""
    sql = dbapi_conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    if not sql:
        return 0
    external = "content=" in sql[0].replace(" ", "")
    columns = [r[1] for r in dbapi_conn.execute(f'PRAGMA table_info("{table}")')]
    pages = dbapi_conn.execute(f'SELECT count(*) FROM "{table}_data"').fetchone()[0]
    wanted = 1 + max(1, math.ceil(math.log(max(pages, 2), LEVEL_FANOUT)))
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    values = (_DUMMY_ROWID, *([_DUMMY_TEXT] * len(columns)))
    rounds = 0
    while rounds < max_rounds:
        levels = structure_levels(dbapi_conn, table)
        if levels is None or levels >= wanted:
            break
        dbapi_conn.execute(f'INSERT INTO "{table}"(rowid, {names}) VALUES (?, {marks})', values)
        if external:
            dbapi_conn.execute(
                f'INSERT INTO "{table}"("{table}", rowid, {names}) VALUES (\'delete\', ?, {marks})', values
            )
        else:
            dbapi_conn.execute(f'DELETE FROM "{table}" WHERE rowid = ?', (_DUMMY_ROWID,))
        dbapi_conn.execute(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')')
        rounds += 1
    return rounds
