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
