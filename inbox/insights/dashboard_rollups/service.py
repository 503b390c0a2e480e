"""Service levels from rollups: conversations per day and month with their SLA outcomes and a
histogram of first response and resolution times (`RollupService`), kept by triggers on
`conversations` (which append to `rollup_service_pending`) and the same fold as the message
rollups, in SQL on both databases.

Before this, a year's figures read one index entry per conversation of the period (about
100,000) and sorted them twice for the medians. Now a period reads its whole months and days
from the rollups, the changes not yet folded, and its ragged edges (less than a day at each end)
from the conversations themselves. Counts, means and outcomes are exact; a median over a long
period is estimated from the histogram (`durations.median`) and says so, while up to
`EXACT_MEDIAN_SPAN` the exact median is still read from the covering index, which is cheap for
a month. "Pending" (not answered, due after now) changes with the clock, so it is the one
figure counted from the conversations: a partial index holds only the unanswered ones by due
time, and those due after now are few.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, text, union_all
from sqlalchemy.orm import Session

from inbox.insights.dashboard_rollups import durations
from inbox.insights.reporting_filters import Filters
from inbox.store.models import RollupService
from inbox.store.models.base import UTCDateTime
from inbox.store.models.rollups import FIRST_RESPONSE, LATE, MET, NO_SLA, OPEN, RESOLUTION

EXACT_MEDIAN_SPAN = timedelta(days=31)
KINDS = (
    (FIRST_RESPONSE, "first_response_at", "first_response_due_at"),
    (RESOLUTION, "resolved_at", "resolution_due_at"),
)
_RS = RollupService.__table__
_COLUMNS = "grain, bucket_start, channel, language, kind, slot, conversations, seconds"


def rows_sql(dialect: str, source: str, sign: str, where: str, extra: str = "") -> str:
    """One (extra..., kind, slot, n, seconds) row per conversation of `source` (alias `p`) and
    kind for its outcome, and one more in its time's slot when it was answered."""
    parts = []
    for kind, done_col, due_col in KINDS:
        done, due = f"p.{done_col}", f"p.{due_col}"
        seconds = durations.seconds_sql(dialect, done, "p.created_at")
        parts.append(
            f"SELECT {extra}'{kind}' AS kind, {durations.slot_sql(dialect, seconds)} AS slot, "
            f"{sign} AS n, {sign} * {seconds} AS seconds FROM {source} p WHERE {where} AND {done} IS NOT NULL"
        )
        parts.append(
            f"SELECT {extra}'{kind}' AS kind, {durations.outcome_sql(done, due)} AS slot, "
            f"{sign} AS n, CAST(0 AS double precision) AS seconds FROM {source} p WHERE {where}"
        )
    return " UNION ALL ".join(parts)


def fold_sql(dialect: str, grain: str, bucket: str, batch: str) -> str:
    """Add the batch of `rollup_service_pending` rows to `rollup_service` at one grain, in key
    order (concurrent folds on PostgreSQL lock shared rows in the same order)."""
    rows = rows_sql(
        dialect, "rollup_service_pending", "p.sign", batch, f"{bucket} AS b, p.channel, p.language, "
    )
    return (
        f"INSERT INTO rollup_service ({_COLUMNS}) "
        f"SELECT '{grain}', b, channel, language, kind, slot, sum(n), sum(seconds) FROM ({rows}) x "
        "WHERE true GROUP BY 2, 3, 4, 5, 6 ORDER BY 2, 3, 4, 5, 6 "
        "ON CONFLICT (grain, bucket_start, channel, language, kind, slot) DO UPDATE SET "
        "conversations = rollup_service.conversations + excluded.conversations, "
        "seconds = rollup_service.seconds + excluded.seconds"
    )


@dataclass
class Kind:
    """One kind's figures: the histogram of answered times, their sum, and outcome counts."""

    histogram: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    outcomes: Counter[int] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        return sum(self.histogram.values())


def _filter_sql(f: Filters) -> tuple[str, dict[str, Any]]:
    sql, params = "", {}
    if f.channel:
        sql, params["channel"] = sql + " AND p.channel = :channel", f.channel
    if f.language:
        sql, params["language"] = sql + " AND p.language = :language", f.language
    return sql, params


def _grouped(s: Session, source: str, sign: str, lo: datetime, hi: datetime, f: Filters) -> Any:
    dialect = s.get_bind().dialect.name
    where, params = _filter_sql(f)
    rows = rows_sql(dialect, source, sign, f"p.created_at >= :lo AND p.created_at < :hi{where}")
    q = text(f"SELECT kind, slot, sum(n), sum(seconds) FROM ({rows}) x GROUP BY kind, slot").bindparams(
        bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime())
    )
    return s.execute(q, {"lo": lo, "hi": hi, **params})


def counted(s: Session, f: Filters) -> dict[str, Kind]:
    """Every conversation created in [f.start, f.end) matching the filters, by kind: whole days
    and months from `rollup_service`, the pending changes of those days, the rest of a day at
    either end from `conversations`."""
    from inbox.insights.rollups import month_spans, split  # the message rollups' own spans

    out = {kind: Kind() for kind, _, _ in KINDS}

    def add(kind: str, slot: int, n: int, seconds: float | None) -> None:
        k = out[kind]
        if slot >= 0:
            k.histogram[slot] += int(n)
            k.seconds += float(seconds or 0.0)
        else:
            k.outcomes[slot] += int(n)

    edges, days = split(f.start, f.end, timedelta(days=1))
    for a, b in edges:
        for row in _grouped(s, "conversations", "1", a, b, f):
            add(*row)
    if days is None:
        return out
    parts = []  # the signed spans in one statement (one round trip, where it was one per span)
    for grain, a, b, sign in month_spans(*days):
        q = select(
            _RS.c.kind,
            _RS.c.slot,
            (sign * _RS.c.conversations).label("n"),
            (sign * func.coalesce(_RS.c.seconds, 0.0)).label("seconds"),
        ).where(_RS.c.grain == grain, _RS.c.bucket_start >= a, _RS.c.bucket_start < b)
        if f.channel:
            q = q.where(_RS.c.channel == f.channel)
        if f.language:
            q = q.where(_RS.c.language == f.language)
        parts.append(q)
    every = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    grouped = select(every.c.kind, every.c.slot, func.sum(every.c.n), func.sum(every.c.seconds))
    for kind, slot, n, seconds in s.execute(grouped.group_by(every.c.kind, every.c.slot)):
        add(kind, slot, n, seconds or 0.0)
    for row in _grouped(s, "rollup_service_pending", "p.sign", *days, f):
        add(*row)
    return out


def pending_now(s: Session, f: Filters, now: datetime) -> dict[str, int]:
    """Conversations of the period not answered (resolved) and due after `now`, per kind, from
    the partial indexes of unanswered conversations (SQLite is told to use them: without
    statistics it would take another index on the answer time and read every unanswered one)."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    where, params = _filter_sql(f)
    out = {}
    for kind, done, due in KINDS:
        index = f"ix_conversations_{'first_response' if kind == FIRST_RESPONSE else 'resolution'}_open"
        q = text(
            f"SELECT count(*) FROM conversations p{f' INDEXED BY {index}' if sqlite else ''} "
            f"WHERE p.{done} IS NULL AND p.{due} >= :now AND p.created_at >= :lo AND p.created_at < :hi{where}"
        ).bindparams(*(bindparam(k, type_=UTCDateTime()) for k in ("now", "lo", "hi")))
        out[kind] = int(s.scalar(q, {"now": now, "lo": f.start, "hi": f.end, **params}) or 0)
    return out


def outcome_counts(k: Kind, pending: int) -> dict[str, int]:
    """met / breached / pending / no_sla: unanswered past their due time are breached."""
    return {
        "met": k.outcomes[MET],
        "breached": k.outcomes[LATE] + k.outcomes[OPEN] - pending,
        "pending": pending,
        "no_sla": k.outcomes[NO_SLA],
    }
