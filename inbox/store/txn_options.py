"""Execution options that say what kind of transaction a connection begins (see `inbox.store.db`).

Kept apart from `db` so that `settings_cache`, which `db` imports, can name them too."""

from __future__ import annotations

# Marks a connection's transactions as reads: on SQLite a deferred BEGIN on a query_only connection.
READ_ONLY = "murmur_read_only"
# A write that would rather not happen than wait for SQLite's write lock (bookkeeping such as a
# token's last use, done on a read request): its BEGIN IMMEDIATE fails at once when the lock is held.
NO_WAIT = "murmur_no_wait"
