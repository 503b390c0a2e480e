"""Derived data of a bulk load: suspended while the rows go in, made set-based at the end.

The year builder (`web.bench.scale_data`) writes a million messages in 365 bulk transactions.
With the schema's derived data live, every row paid for it as it went in: the insert triggers
(SQLite: a `search_pending` note and the rollups' `rollup_pending` rows; PostgreSQL: the
rollups' plpgsql trigger) fired once a row with a statement of their own, and every secondary
index (on PostgreSQL two GIN indexes per searched column, one of them through the
`murmur_grams` SQL function) was updated row by row. That was most of the time of writing the
year. Here the load runs without them and they are made afterwards in bulk:

* **Indexes** are dropped before the load (not those backing a constraint: primary keys,
  uniques) and created again from their own definitions after it, a sort each instead of a
  million random inserts.
* **Constraints** (PostgreSQL): foreign keys, checked with a query per key of every row, and
  unique constraints are dropped and added back at the end, which validates each in one pass.
* **Insert triggers** are dropped (SQLite) or disabled (PostgreSQL) during the load and then
  *replayed*: the loaded rows are copied into a temporary table that carries the same trigger
  (SQLite: the trigger's own text from `sqlite_master`, retargeted; PostgreSQL: a trigger
  calling the same function, `pg_get_triggerdef` retargeted), in id order. So the replay writes
  exactly what the schema's triggers write, whatever a later migration makes them write
  (another pending column, another rollup), with no copy of their SQL here. Then the product's
  own code takes over: SQLite's commit hook indexes the noted rows for search
  (`inbox.search.index.flush_pending`: FTS5 and gram tables, one INSERT ... SELECT), and
  `finish` folds the pending rollup rows with the fold job's code.

The replayed tables' update triggers are suspended too (conversations are updated while the year
is written: first responses, resolutions): a replay over the rows as they stand at the end counts
each row's final state once, which is what the insert trigger plus every update's signed pair
would have summed to (the service-level rollups of migration 0012_rollups are kept that way).

Only the messages', conversations', customers' and identities' triggers are replayed. The one of
`conversation_labels` adds, when a label is stored, a pending row for each inbound message its
conversation already has; the messages' trigger adds, for a message, a row for each label its
conversation already has. Whichever came first, each (message, label) pair gets one row from
one of them; replayed after every label is stored, the messages' trigger alone writes them
all, so replaying the labels' one too would count each pair twice.
(`tests/service/test_year_build.py` holds the result to the pipeline's, rollups included.)
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

# the tables the bulk builder writes
LOADED = ("customers", "identities", "conversations", "messages", "rule_runs", "conversation_labels")
# whose insert triggers are replayed over the loaded rows (see the module's docstring)
REPLAYED = ("customers", "identities", "conversations", "messages")
PG_SORT_MEMORY = "256MB"  # maintenance_work_mem for CREATE INDEX: a GIN build sorts in memory

_SQLITE_INSERT_EVENT = re.compile(r"\bINSERT\s+ON\s+[\"'`\[]?(\w+)", re.IGNORECASE)
_SQLITE_UPDATE_EVENT = re.compile(r"\bUPDATE\s+(OF\s+[^;]*?\s+)?ON\s+", re.IGNORECASE)


@dataclass
class Suspended:
    """What `suspend` took away, to put back: (table, name, definition) of triggers and indexes,
    and each replayed table's largest id before the load."""

    triggers: list[tuple[str, str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str, str]] = field(default_factory=list)
    constraints: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # PostgreSQL: unique, then foreign keys
    since: dict[str, int] = field(default_factory=dict)


def suspend(engine: Engine) -> Suspended:
    """Drop the loaded tables' secondary indexes and stop their insert triggers."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            return _suspend_postgresql(c)
        return _suspend_sqlite(c)


def restore(engine: Engine, suspended: Suspended) -> dict[str, float]:
    """Create the indexes again, restart the triggers and replay them over the loaded rows;
    returns the seconds each part took."""
    timings: dict[str, float] = {}
    postgresql = engine.dialect.name == "postgresql"
    t = time.perf_counter()
    with engine.begin() as c:
        if postgresql:
            c.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'")
        for _, _, definition in suspended.indexes:
            c.exec_driver_sql(definition)
        for table, name, definition in suspended.constraints:  # validated here, set-based
            c.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    timings["indexes"] = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:  # committing runs SQLite's search indexing of the noted rows
        if postgresql:
            _restore_postgresql(c, suspended)
        else:
            _restore_sqlite(c, suspended)
    timings["triggers"] = time.perf_counter() - t
    return timings


def _since(c: Connection, tables: Any) -> dict[str, int]:
    return {t: c.scalar(text(f"SELECT coalesce(max(id), 0) FROM {t}")) or 0 for t in tables}


# --- SQLite -------------------------------------------------------------------------------------


def _suspend_sqlite(c: Connection) -> Suspended:
    out = Suspended(since=_since(c, REPLAYED))
    loaded = ", ".join(f"'{t}'" for t in LOADED)
    for name, table, sql in c.exec_driver_sql(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({loaded}) "
        "ORDER BY rowid"
    ):
        if _SQLITE_INSERT_EVENT.search(sql) or (table in REPLAYED and _SQLITE_UPDATE_EVENT.search(sql)):
            out.triggers.append((table, name, sql))
    for name, table, sql in c.exec_driver_sql(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({loaded}) "
        "AND sql IS NOT NULL ORDER BY rowid"  # no sql: the automatic index of a constraint
    ):
        out.indexes.append((table, name, sql))
    for _, name, _ in out.triggers:
        c.exec_driver_sql(f'DROP TRIGGER "{name}"')
    for _, name, _ in out.indexes:
        c.exec_driver_sql(f'DROP INDEX "{name}"')
    return out


def _restore_sqlite(c: Connection, suspended: Suspended) -> None:
    for _, _, sql in suspended.triggers:
        c.exec_driver_sql(sql)
    for table in REPLAYED:
        mine = [
            (name, sql)
            for t, name, sql in suspended.triggers
            if t == table and _SQLITE_INSERT_EVENT.search(sql)
        ]
        if not mine:
            continue
        replay = f"replay_{table}"
        c.exec_driver_sql(f"CREATE TEMP TABLE {replay} AS SELECT * FROM main.{table} WHERE 0")
        for name, sql in mine:
            c.exec_driver_sql(_retarget_sqlite(sql, name, table, replay))
        c.exec_driver_sql(
            f"INSERT INTO {replay} SELECT * FROM main.{table} WHERE id > {int(suspended.since[table])} ORDER BY id"
        )
        c.exec_driver_sql(f"DROP TABLE {replay}")  # and its triggers


def _retarget_sqlite(sql: str, name: str, table: str, replay: str) -> str:
    """`CREATE TRIGGER name ... INSERT ON table ...` as a temporary trigger on `replay`."""
    head = re.compile(
        rf"^\s*CREATE\s+TRIGGER\s+(IF\s+NOT\s+EXISTS\s+)?[\"'`\[]?{re.escape(name)}[\"'`\]]?", re.I
    )
    out, n = head.subn(f"CREATE TEMP TRIGGER replay_{name}", sql, count=1)
    out, m = re.subn(
        rf"\bINSERT\s+ON\s+[\"'`\[]?{re.escape(table)}[\"'`\]]?",
        f"INSERT ON {replay}",
        out,
        count=1,
        flags=re.I,
    )
    if n != 1 or m != 1:
        raise ValueError(f"cannot replay trigger {name}: {sql[:120]}")
    return out


# --- PostgreSQL ---------------------------------------------------------------------------------


def _suspend_postgresql(c: Connection) -> Suspended:
    out = Suspended(since=_since(c, REPLAYED))
    for table, name, definition in c.execute(
        text(
            "SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgrelid = ANY(CAST(:tables AS regclass[])) "
            # 4: TRIGGER_TYPE_INSERT; 16: TRIGGER_TYPE_UPDATE, suspended on the replayed tables too
            "AND ((t.tgtype & 4) <> 0 OR ((t.tgtype & 16) <> 0 AND t.tgrelid = ANY(CAST(:replayed AS regclass[])))) "
            "ORDER BY t.oid"
        ),
        {"tables": list(LOADED), "replayed": list(REPLAYED)},
    ):
        out.triggers.append((table, name, definition))
    for table, name, definition in c.execute(
        text(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY i.indexrelid"
        ),
        {"tables": list(LOADED)},
    ):
        out.indexes.append((table, name, definition))
    # Foreign keys are checked row by row (a query per key of every row); added back at the
    # end they are validated in one join each. Unique constraints likewise get their index by
    # one sort, unless a foreign key elsewhere depends on it.
    for table, name, definition in c.execute(
        text(
            "SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "WHERE k.conrelid = ANY(CAST(:tables AS regclass[])) AND (k.contype = 'f' OR (k.contype = 'u' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid))) "
            "ORDER BY k.contype DESC, k.oid"  # 'u' before 'f' when added back
        ),
        {"tables": list(LOADED)},
    ):
        out.constraints.append((table, name, definition))
    for table, name, _ in reversed(out.constraints):
        c.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, _ in out.triggers:
        c.exec_driver_sql(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    for _, name, _ in out.indexes:
        c.exec_driver_sql(f"DROP INDEX {name}")
    return out


def _restore_postgresql(c: Connection, suspended: Suspended) -> None:
    for table, name, _ in suspended.triggers:
        c.exec_driver_sql(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')
    for table in REPLAYED:
        mine = [(name, d) for t, name, d in suspended.triggers if t == table and _fires_on_insert(d)]
        if not mine:
            continue
        replay = f"replay_{table}"
        c.exec_driver_sql(f"CREATE TEMP TABLE {replay} (LIKE {table})")
        for name, definition in mine:
            c.exec_driver_sql(_retarget_postgresql(definition, name, table, replay))
        c.exec_driver_sql(
            f"INSERT INTO {replay} SELECT * FROM {table} WHERE id > {int(suspended.since[table])} ORDER BY id"
        )
        c.exec_driver_sql(f"DROP TABLE {replay}")


def _fires_on_insert(definition: str) -> bool:
    """Whether `pg_get_triggerdef`'s text names INSERT among its events (before ` ON table`)."""
    return re.search(r"\bINSERT\b", definition.split(" ON ", 1)[0]) is not None


def _retarget_postgresql(definition: str, name: str, table: str, replay: str) -> str:
    """`pg_get_triggerdef`'s `CREATE TRIGGER name ... ON [public.]table ...` as one on `replay`."""
    head = re.compile(rf'^CREATE (CONSTRAINT )?TRIGGER "?{re.escape(name)}"?\s')
    out, n = head.subn(f"CREATE TRIGGER replay_{name} ", definition, count=1)
    out, m = re.subn(rf'\sON (\w+\.)?"?{re.escape(table)}"?\s', f" ON {replay} ", out, count=1)
    if n != 1 or m != 1:
        raise ValueError(f"cannot replay trigger {name}: {definition[:120]}")
    return out
