"""Keep SQLite's FTS5 search tables in step with their rows, in bulk, at every commit.

Row triggers (migration 0005) only note which rows changed in `search_pending`; this indexes
them with one INSERT ... SELECT per table just before the transaction commits. Writing FTS5
from the row triggers themselves cost over four times as much (FTS5 flushes a new index
segment at every statement savepoint, and each trigger step is one), which made the search
index the most expensive part of ingesting a message.

The same rows get their short-term keys (`inbox.search.grams`, migration 0009) in the
`<table>_grams` tables: read back, cut into keys here in Python (only texts with Chinese,
Thai and the like have any), and inserted in one executemany. Migration 0009's triggers drop a
row's keys when it changes or goes, so a noted row never has stale keys.

It runs from the engine's `commit` event, so every writer through SQLAlchemy (the ORM, Core
bulk inserts, `engine.begin()`) gets an index that is exact at commit, in the same transaction.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from inbox.search.grams import gram_text

# table -> columns indexed in <table>_fts (migrations 0004 and 0005)
INDEXED: dict[str, tuple[str, ...]] = {
    "messages": ("text",),
    "customers": ("name", "email"),
    "identities": ("handle", "display_name", "email", "phone"),
    "attachments": ("name",),  # file names (migration 0010_traffic2, inbox.search.filenames)
}
# the same columns' short Chinese/Thai terms are keyed in <table>_grams (migration 0009)
GRAMS = INDEXED

_FLUSH = {
    table: (
        f"INSERT INTO {table}_fts(rowid, {', '.join(cols)}) "
        f"SELECT t.id, {', '.join('t.' + c for c in cols)} FROM search_pending p "
        f"JOIN {table} t ON t.id = p.id WHERE p.tbl = '{table}'"
    )
    for table, cols in INDEXED.items()
}
_PENDING_TEXT = {
    table: (
        f"SELECT t.id, {', '.join('t.' + c for c in cols)} FROM search_pending p "
        f"JOIN {table} t ON t.id = p.id WHERE p.tbl = '{table}'"
    )
    for table, cols in GRAMS.items()
}


def _flush_grams(dbapi_conn: sqlite3.Connection, table: str) -> None:
    try:
        rows = dbapi_conn.execute(_PENDING_TEXT[table]).fetchall()
    except sqlite3.OperationalError as exc:  # not yet migrated to 0009
        if "no such table" in str(exc):
            return
        raise
    # Keyed once per distinct text in this flush: a big import (the bench's one-year database
    # indexes a million rows in one flush) repeats texts, and a commit of a few rows pays a dict.
    known: dict[tuple[Any, ...], str] = {}
    keyed = []
    for row in rows:
        texts = tuple(row[1:])
        keys = known.get(texts)
        if keys is None:
            keys = known[texts] = gram_text(*texts)
        if keys:
            keyed.append((row[0], keys))
    if keyed:
        try:
            dbapi_conn.executemany(f"INSERT INTO {table}_grams(rowid, grams) VALUES (?, ?)", keyed)
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise


def flush_pending(dbapi_conn: sqlite3.Connection) -> int:
    """Index the rows noted since the last commit; returns how many were noted.

    A database not yet migrated to 0005 has no `search_pending` (the migrations themselves
    commit through this hook), and then there is nothing to do.
    """
    try:
        tables = [t for (t,) in dbapi_conn.execute("SELECT DISTINCT tbl FROM search_pending")]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    if not tables:
        return 0
    for table in tables:
        dbapi_conn.execute(_FLUSH[table])
        if table in GRAMS:
            _flush_grams(dbapi_conn, table)
    return dbapi_conn.execute("DELETE FROM search_pending").rowcount


def on_commit(conn: Any) -> None:
    """SQLAlchemy `commit` event listener (fires just before the DBAPI commit)."""
    flush_pending(conn.connection.dbapi_connection)
