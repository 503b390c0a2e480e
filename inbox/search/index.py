"""Keep SQLite's FTS5 search tables in step with their rows, in bulk, at every commit.

Row triggers (migration 0005) only note which rows changed in `search_pending`; this indexes
them with one INSERT ... SELECT per table just before the transaction commits. Writing FTS5
from the row triggers themselves cost over four times as much (FTS5 flushes a new index
segment at every statement savepoint, and each trigger step is one), which made the search
index the most expensive part of ingesting a message.

It runs from the engine's `commit` event, so every writer through SQLAlchemy (the ORM, Core
bulk inserts, `engine.begin()`) gets an index that is exact at commit, in the same transaction.
"""

from __future__ import annotations

import sqlite3
from typing import Any

# table -> columns indexed in <table>_fts (migrations 0004 and 0005)
INDEXED: dict[str, tuple[str, ...]] = {
    "messages": ("text",),
    "customers": ("name", "email"),
    "identities": ("handle", "display_name", "email", "phone"),
}

_FLUSH = {
    table: (
        f"INSERT INTO {table}_fts(rowid, {', '.join(cols)}) "
        f"SELECT t.id, {', '.join('t.' + c for c in cols)} FROM search_pending p "
        f"JOIN {table} t ON t.id = p.id WHERE p.tbl = '{table}'"
    )
    for table, cols in INDEXED.items()
}


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
    return dbapi_conn.execute("DELETE FROM search_pending").rowcount


def on_commit(conn: Any) -> None:
    """SQLAlchemy `commit` event listener (fires just before the DBAPI commit)."""
    flush_pending(conn.connection.dbapi_connection)
