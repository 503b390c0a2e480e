"""Folding pending rollup changes: counted by the database, tokenized once per distinct text.

Since migration 0012_rollups one fold also adds each message's author to `rollup_authors` and
each conversation's service-level change (`rollup_service_pending`) to `rollup_service`, both
as `INSERT ... SELECT ... GROUP BY ... ON CONFLICT` statements over the same batch
(`inbox.insights.dashboard_rollups`): whoever fills the pending tables (the triggers, or a bulk
builder's set-based SQL) gets every rollup from `fold_batch` alone.

The triggers of migration 0009_rollups append one `rollup_pending` row per counted change;
a fold adds a batch of them to `rollup_messages` and `rollup_terms` and deletes exactly those
rows, in the caller's transaction, so each change is counted once or (if it fails) not at all.

Why it is written this way (issue 22): the one-year database holds about 1.7 million pending
rows once built, and folding them row by row in Python (a bucket key per row, every value
passed through a bind processor, one upsert per key) took 5-6 minutes of the build. Now:

* the volume counts are one `INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE` per
  grain, computed by the database (buckets by `date_trunc` / the text prefix of SQLite's
  datetime format), so no pending row of them comes into Python at all;
* terms, which only `inbox.insights.analytics.terms.tokenize` can say, are read as one row per
  (day, channel, language, distinct text) with the sum of its signs, each distinct text is
  tokenized once (an LRU cache across batches: replies and templates repeat), and the month
  rows are summed from the day rows in Python;
* the term rows go in with one executemany on SQLite (a C loop) and, on PostgreSQL, by COPY
  into a temporary table and one `INSERT ... SELECT ... ON CONFLICT` (an executemany there is
  one statement per row).

Rows are added in key order (`ORDER BY` in each statement), so concurrent folds on PostgreSQL,
which take disjoint batches (`FOR UPDATE SKIP LOCKED`), lock shared rollup rows in the same
order and cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections import Counter
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, inspect, select

from inbox.insights.analytics.terms import tokenize
from inbox.insights.dashboard_rollups import authors, month_cache, service
from inbox.store.models import RollupPending, RollupServicePending
from inbox.store.models.rollups import ALL, DAY, HOUR, MONTH

FOLD_BATCH = 20_000
MAX_TERM = 200  # longer "terms" (a 300-character hashtag) are not counted, here or at read time
_P = RollupPending.__table__
_S = RollupServicePending.__table__
_VOLUME = "grain, conv_label, bucket_start, channel, language, sentiment, messages, scored, sentiment_sum"
_TERMS = "grain, bucket_start, channel, language, term, texts"


def terms_of(text: str) -> set[str]:
    """The terms a text counts once each (document frequency), as rollups keep them."""
    return {t for t in tokenize(text) if len(t) <= MAX_TERM}


@lru_cache(maxsize=16_384)
def terms_once(text: str) -> frozenset[str]:
    """`terms_of`, each distinct text tokenized once per process (Thai and Chinese segmentation is
    most of it): the fold meets a text again in every grain, and a dashboard's ragged edges (the
    partial day up to "now", about a day's texts) are the same texts on every request. 16,384 texts
    hold more than a day of a mid-size brand, so a request's edge reads never evict themselves."""
    return frozenset(terms_of(text))


def _bucket(dialect: str, grain: str, column: str) -> str:
    """SQL for the start of `column`'s hour, day or month, in the column's own stored form
    (SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" text: `inbox.store.models.base.UTCDateTime`)."""
    if dialect == "postgresql":
        unit = {HOUR: "hour", DAY: "day", MONTH: "month"}[grain]
        return f"date_trunc('{unit}', {column})"
    cut, tail = {
        HOUR: (13, ":00:00.000000"),
        DAY: (10, " 00:00:00.000000"),
        MONTH: (7, "-01 00:00:00.000000"),
    }[grain]
    return f"substr({column}, 1, {cut}) || '{tail}'"


def _month_of(dialect: str, day: Any) -> Any:
    if dialect == "postgresql":
        return day.replace(day=1)
    return day[:7] + "-01 00:00:00.000000"


def _batch(conn: Connection, table: Any, limit: int) -> tuple[int, str, dict[str, Any]]:
    """The `limit` oldest pending rows of `table` as (how many, a condition on `p.id`, its
    parameters, in the driver's own marks)."""
    q = select(table.c.id).order_by(table.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        ids = list(conn.scalars(q.with_for_update(skip_locked=True)))
        return len(ids), "p.id = ANY(%(ids)s)", {"ids": ids}
    # SQLite writers take turns, and this one holds the lock: the `limit` oldest rows are
    # exactly those from the first id to the last one read.
    ids = list(conn.scalars(q))
    return len(ids), "p.id BETWEEN :lo AND :hi", {"lo": ids[0] if ids else 0, "hi": ids[-1] if ids else 0}


def fold_batch(conn: Connection, limit: int = FOLD_BATCH, full: bool = True) -> int:
    """Fold up to `limit` pending message rows and up to `limit` pending conversation rows, oldest
    first, and delete them; returns how many (so less than `limit` means nothing is left).
    `full=False` is for a schema older than 0012_rollups (no author or service rollups)."""
    n = _fold_messages(conn, limit, full)
    return n + _fold_service(conn, limit) if full else n


def _fold_service(conn: Connection, limit: int) -> int:
    """Conversations' service-level changes into `rollup_service` (per day and month)."""
    n, batch, params = _batch(conn, _S, limit)
    if not n:
        return 0
    dialect = conn.dialect.name
    for grain in (DAY, MONTH):
        conn.exec_driver_sql(
            service.fold_sql(dialect, grain, _bucket(dialect, grain, "p.created_at"), batch), params
        )
    conn.exec_driver_sql(f"DELETE FROM rollup_service_pending AS p WHERE {batch}", params)
    return n


def _fold_messages(conn: Connection, limit: int, full: bool) -> int:
    dialect = conn.dialect.name
    n, batch, params = _batch(conn, _P, limit)
    if not n:
        return 0
    upsert = (
        "ON CONFLICT (grain, conv_label, bucket_start, channel, language, sentiment) DO UPDATE SET "
        "messages = rollup_messages.messages + excluded.messages, "
        "scored = rollup_messages.scored + excluded.scored, "
        "sentiment_sum = rollup_messages.sentiment_sum + excluded.sentiment_sum"
    )
    for grain, only_all in ((HOUR, True), (DAY, False)):
        bucket = _bucket(dialect, grain, "p.created_at")
        conn.exec_driver_sql(
            f"INSERT INTO rollup_messages ({_VOLUME}) "
            f"SELECT '{grain}', p.conv_label, {bucket}, p.channel, p.language, p.sentiment, "
            "sum(p.sign), sum(p.sign * p.scored), coalesce(sum(p.sign * p.compound), 0) "
            f"FROM rollup_pending p WHERE {batch}"
            + (f" AND p.conv_label = '{ALL}'" if only_all else "")
            + " "
            "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6 " + upsert,
            params,
        )
    for grain in (DAY, MONTH) if full else ():
        for every_language in (False, True):
            statement = authors.fold_sql(
                grain, _bucket(dialect, grain, "p.created_at"), batch, every_language
            )
            conn.exec_driver_sql(statement, params)
    if full and _has_generations(conn):
        token = {"token": uuid.uuid4().hex}
        month = _bucket(dialect, MONTH, "p.created_at")
        conn.exec_driver_sql(month_cache.bump_sql(dialect, month, batch), {**params, **token})
    day = _bucket(dialect, DAY, "p.created_at")
    texts = conn.exec_driver_sql(
        f"SELECT {day}, p.channel, p.language, m.text, sum(p.sign) "
        "FROM rollup_pending p JOIN messages m ON m.id = p.message_id "
        f"WHERE {batch} AND p.conv_label = '{ALL}' GROUP BY 1, 2, 3, 4",
        params,
    )
    days: Counter[tuple[Any, ...]] = Counter()
    for at, channel, language, text, k in texts:
        if k and text is not None:
            for term in terms_once(text):
                days[(at, channel, language, term)] += k
    months: Counter[tuple[Any, ...]] = Counter()
    for (at, channel, language, term), k in days.items():
        months[(_month_of(dialect, at), channel, language, term)] += k
    rows = [(DAY, *key, k) for key, k in days.items() if k] + [
        (MONTH, *key, k) for key, k in months.items() if k
    ]
    _add_terms(conn, rows)
    conn.exec_driver_sql(f"DELETE FROM rollup_pending AS p WHERE {batch}", params)
    return n


def _has_generations(conn: Connection) -> bool:
    """Whether the schema has `rollup_generations` (0013_pgdash): older migrations fold too."""
    return inspect(conn).has_table("rollup_generations")


def _add_terms(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Add (grain, bucket, channel, language, term, texts) rows to `rollup_terms`, in key order."""
    if not rows:
        return
    rows.sort(key=lambda r: r[:5])
    upsert = (
        "ON CONFLICT (grain, bucket_start, channel, language, term) DO UPDATE SET "
        "texts = rollup_terms.texts + excluded.texts"
    )
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(f"INSERT INTO rollup_terms ({_TERMS}) VALUES (?, ?, ?, ?, ?, ?) " + upsert, rows)
        return
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS fold_terms "
        "(LIKE rollup_terms INCLUDING DEFAULTS, seq serial) ON COMMIT DROP"
    )
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:  # type: ignore[union-attr]
        with cur.copy(f"COPY fold_terms ({_TERMS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO rollup_terms ({_TERMS}) SELECT {_TERMS} FROM fold_terms ORDER BY seq " + upsert
        )
        cur.execute("TRUNCATE fold_terms")
