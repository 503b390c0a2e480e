"""Dashboard rollups: fold pending changes into them, exactly once, and read a range from them.

Writers never touch the rollups: triggers (migration 0009_rollups) append one `rollup_pending`
row per counted change. `fold` (a job, every few seconds) reads a batch of pending rows, adds
them to `rollup_messages` (per hour and per day) and `rollup_terms` (per day and per month), and deletes the
rows it read, in one transaction: a row is folded once or, if the transaction fails, not at
all. On PostgreSQL concurrent folds take disjoint batches (FOR UPDATE SKIP LOCKED) and add in
key order, so they cannot deadlock; on SQLite writers take turns anyway.

Readers (`tally`, `term_counts`) take a range apart: whole days (or hours) come from the rollups
plus the pending rows of that span, and only the ragged edges (less than a day, or an hour)
from the messages themselves. Read in one snapshot (`snapshot`), rollups and pending rows
never count a change twice or miss one, whenever a fold commits.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, case, func, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from inbox.insights.dashboard_rollups import month_cache
from inbox.insights.reporting_filters import Filters
from inbox.insights.rollup_fold import FOLD_BATCH, fold_batch, terms_once
from inbox.insights.rollup_fold import MAX_TERM as MAX_TERM  # re-exported: where it always was
from inbox.store.context import Inbox
from inbox.store.models import (
    Conversation,
    Direction,
    Message,
    RollupMessage,
    RollupPending,
    RollupServicePending,
    RollupTerm,
)
from inbox.store.models.rollups import ALL, DAY, HOUR, MONTH
from inbox.store.sql import in_list, list_param

LABELS = ("positive", "neutral", "negative")
_P = RollupPending.__table__
_S = RollupServicePending.__table__
_RM = RollupMessage.__table__
_RT = RollupTerm.__table__
_M = Message.__table__
_C = Conversation.__table__
_DAY = timedelta(days=1)


def fold(inbox: Inbox) -> int:
    """The job: fold every pending change, a batch per transaction; returns how many.

    It looks first in a read, so with nothing pending it never takes SQLite's write lock."""
    with inbox.read() as s:
        if (
            s.execute(select(_P.c.id).limit(1)).first() is None
            and s.execute(select(_S.c.id).limit(1)).first() is None
        ):
            return 0
    total = 0
    while True:
        with inbox.unit_of_work() as uow:
            n = fold_batch(uow.session.connection())
        total += n
        if n < FOLD_BATCH:
            return total


def fold_all(conn: Connection, batch: int = FOLD_BATCH) -> int:
    """Fold everything pending inside the caller's transaction (the migration's backfill, a
    bulk-built database), `batch` rows a statement. Migrations older than 0012_rollups fold
    too, into a schema without the author and service rollups: those are left out there."""
    total = 0
    full = inspect(conn).has_table(RollupServicePending.__tablename__)
    while n := fold_batch(conn, batch, full):
        total += n
    return total


# --- reading -------------------------------------------------------------------------------------


def snapshot(s: Session) -> None:
    """Make the session's reads one snapshot: on PostgreSQL each statement of a READ COMMITTED
    transaction sees its own, and a fold committing between the rollup and pending reads would
    count its rows twice. SQLite's read transactions are snapshots already (WAL)."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    s.info[month_cache.SNAPSHOT] = True  # what the month tokens say holds for the whole session


@dataclass
class Tally:
    """Inbound messages by sentiment label, with the count and sum of their compounds."""

    labels: Counter[str] = field(default_factory=Counter)
    scored: int = 0
    compound: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.labels.values())

    def add(self, label: str, messages: int, scored: int, compound: float) -> None:
        self.labels[label] += messages
        self.scored += scored
        self.compound += compound


def _ceil(at: datetime, step: timedelta) -> datetime:
    floor = _floor(at, step)
    return floor if floor == at else floor + step


def _floor(at: datetime, step: timedelta) -> datetime:
    hour = at.replace(minute=0, second=0, microsecond=0)
    return hour if step == timedelta(hours=1) else hour.replace(hour=0)


def split(lo: datetime, hi: datetime, step: timedelta) -> tuple[list[tuple[datetime, datetime]], Any]:
    """[lo, hi) as the ragged edges to read from messages and the aligned middle (or None)."""
    a, b = _ceil(lo, step), _floor(hi, step)
    if a >= b:
        return [(lo, hi)], None
    return [(x, y) for x, y in ((lo, a), (b, hi)) if x < y], (a, b)


def month_spans(a: datetime, b: datetime) -> list[tuple[str, datetime, datetime, int]]:
    """Whole days [a, b) as signed (grain, from, to, sign) spans whose counts add up to the
    range's: whole months, and for each partial month at either end either its days inside
    (sign 1) or, when fewer, the whole month (sign 1) less its days outside (sign -1). Counts are
    sums per bucket, so both give the same total; the second reads at most half a month of day
    rows at each end instead of up to a whole one (a day holds thousands of term rows)."""
    spans: list[tuple[str, datetime, datetime, int]] = []
    month = a.replace(day=1)
    while month < b:
        after = (month + timedelta(days=32)).replace(day=1)
        lo, hi = max(a, month), min(b, after)
        inside = (hi - lo).days
        if inside == (after - month).days:
            if spans and spans[-1][0] == MONTH and spans[-1][3] == 1 and spans[-1][2] == month:
                spans[-1] = (MONTH, spans[-1][1], after, 1)  # one span of consecutive whole months
            else:
                spans.append((MONTH, month, after, 1))
        elif inside <= (after - month).days - inside:
            spans.append((DAY, lo, hi, 1))
        else:
            spans.append((MONTH, month, after, 1))
            spans += [(DAY, x, y, -1) for x, y in ((month, lo), (hi, after)) if x < y]
        month = after
    return spans


def _filtered(q: Select[Any], table: Any, f: Filters) -> Select[Any]:
    if f.channel:
        q = q.where(table.c.channel == f.channel)
    if f.language:
        q = q.where(table.c.language == f.language)
    return q


def _raw(f: Filters, lo: datetime, hi: datetime, *columns: Any) -> Select[Any]:
    q = (
        select(*columns)
        .select_from(_M.join(_C, _C.c.id == _M.c.conversation_id))
        .where(_M.c.direction == Direction.IN.value, _M.c.created_at >= lo, _M.c.created_at < hi)
    )
    if f.channel:
        q = q.where(_C.c.channel == f.channel)
    if f.language:
        q = q.where(_M.c.language == f.language)
    return q


def _label(value: str | None) -> str:
    """A message's sentiment label as counted (no label or an unknown one is neutral);
    `inbox.insights.breakdown` counts its edges with it too."""
    return value if value in ("positive", "negative") else "neutral"


def counted(
    s: Session, f: Filters, lo: datetime, hi: datetime, hourly: bool = False
) -> Iterator[tuple[datetime, str, int, int, float]]:
    """(time, sentiment label, messages, scored, compound sum) rows that together count the
    inbound messages of [lo, hi): rollup buckets (hours when `hourly`, else days and the hours at
    either end), pending changes, and single messages at the ragged edges. The day rows of
    months before the last one are kept while those months are unchanged (`month_cache.kept`: a
    year's day rows were the largest statement of a warm request); everything else is read in
    one statement (a UNION ALL of the parts, one round trip where it was one per part)."""
    edges, middle = split(lo, hi, timedelta(hours=1))
    labelled = case(
        (_M.c.sentiment_label.in_(("positive", "negative")), _M.c.sentiment_label), else_="neutral"
    )
    parts: list[Any] = [
        _raw(
            f,
            a,
            b,
            _M.c.created_at,
            labelled,
            literal(1),
            case((_M.c.sentiment.is_(None), 0), else_=1),
            func.coalesce(_M.c.sentiment, 0.0),
        )
        for a, b in edges
    ]
    kept: list[Any] = []
    if middle is not None:
        spans = [(HOUR, *middle)]
        if not hourly:
            hour_edges, days = split(*middle, timedelta(days=1))
            if days is not None:
                spans = [(HOUR, a, b) for a, b in hour_edges] + [(DAY, *days)]
        for grain, a, b in spans:
            if grain == DAY:  # the day rows before b's month from what is kept
                cut = max(a, b.replace(day=1))
                if a < cut:
                    kept = month_cache.kept(
                        s, ("volume", f.channel, f.language), a, cut, lambda a=a, cut=cut: _days(s, f, a, cut)
                    )
                a = cut
            if a < b:
                parts.append(_rolled(f, grain, a, b))
        q = select(
            _P.c.created_at, _P.c.sentiment, _P.c.sign, _P.c.sign * _P.c.scored, _P.c.sign * _P.c.compound
        )
        q = q.where(_P.c.conv_label == ALL, _P.c.created_at >= middle[0], _P.c.created_at < middle[1])
        parts.append(_filtered(q, _P, f))
    yield from kept
    if parts:
        yield from s.execute(union_all(*parts) if len(parts) > 1 else parts[0])


def _rolled(f: Filters, grain: str, a: datetime, b: datetime) -> Select[Any]:
    """The volume rollup's rows of [a, b) at one grain, per bucket and sentiment."""
    q = select(
        _RM.c.bucket_start,
        _RM.c.sentiment,
        func.sum(_RM.c.messages),
        func.sum(_RM.c.scored),
        func.sum(_RM.c.sentiment_sum),
    ).where(_RM.c.grain == grain, _RM.c.conv_label == ALL, _RM.c.bucket_start >= a, _RM.c.bucket_start < b)
    return _filtered(q, _RM, f).group_by(_RM.c.bucket_start, _RM.c.sentiment)


def _days(s: Session, f: Filters, a: datetime, b: datetime) -> list[Any]:
    return list(s.execute(_rolled(f, DAY, a, b)))


def tally(s: Session, f: Filters, lo: datetime, hi: datetime) -> Tally:
    """The inbound messages of [lo, hi) matching the filters, by sentiment label."""
    out = Tally()
    for _, label, n, scored, compound in counted(s, f, lo, hi):
        out.add(label, n, scored, compound)
    return out


def _month_terms(s: Session, f: Filters, months: list[tuple[datetime, datetime, int]]) -> dict[str, int]:
    parts = [
        _filtered(
            select(_RT.c.term, (sign * _RT.c.texts).label("n")).where(
                _RT.c.grain == MONTH, _RT.c.bucket_start >= a, _RT.c.bucket_start < b
            ),
            _RT,
            f,
        )
        for a, b, sign in months
    ]
    every = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    grouped = select(every.c.term, func.sum(every.c.n)).group_by(every.c.term)
    return {term: int(n) for term, n in s.execute(grouped) if n}


def term_counts(
    s: Session, f: Filters, lo: datetime, hi: datetime, only: Iterable[str] | None = None
) -> Counter[str]:
    """How many inbound texts of [lo, hi) contain each term (only the terms in `only`, if given):
    whole months and days from `rollup_terms` and the pending rows, the rest of a day from its
    texts."""
    wanted = set(only) if only is not None else None
    counts: Counter[str] = Counter()

    def add(terms: Iterable[str], n: int) -> None:
        for t in terms:
            if wanted is None or t in wanted:
                counts[t] += n

    edges, days = split(lo, hi, timedelta(days=1))
    # the pending changes of the whole range in one statement: those of the whole days are
    # counted, those of each edge name its state (with the month's token) for `_edge_terms`
    d = s.get_bind().dialect.name
    q = (
        select(_P.c.id, _P.c.created_at, _P.c.sign, _P.c.channel, _P.c.language, _M.c.text)
        .select_from(_P.outerjoin(_M, _M.c.id == _P.c.message_id))
        .where(_P.c.conv_label == ALL, _P.c.created_at >= _floor(lo, _DAY), _P.c.created_at < _ceil(hi, _DAY))
    )
    changes: dict[datetime, list[int]] = {day: [] for a, b in edges for day in _days_of(a, b)}
    for i, at, sign, channel, language, text in s.execute(q):
        day = _floor(at, _DAY)
        if day in changes:  # every change of an edge's day, whatever the filters
            changes[day].append(i)
        inside = days is not None and days[0] <= at < days[1]
        if inside and text is not None and f.channel in (None, channel) and f.language in (None, language):
            add(terms_once(text), sign)  # a deleted message's text is gone (docs/dashboard-rollups.md)
    for a, b in edges:
        for day in _days_of(a, b):
            part = _edge_terms(s, f, max(a, day), min(b, day + _DAY), sorted(changes[day]))
            for term, n in part.items():
                if wanted is None or term in wanted:
                    counts[term] += n
    if days is None:
        return +counts
    params: dict[str, Any] = {}
    if wanted is not None:
        params["terms"] = list_param(d, sorted(wanted))
    spans = month_spans(*days)
    months = [(a, b, sign) for grain, a, b, sign in spans if grain == MONTH]
    if months:  # whole months: every term's sum, kept while the months are unchanged
        for term, n in month_cache.cached(
            s, ("terms", f.channel, f.language), months, lambda: _month_terms(s, f, months)
        ).items():
            if wanted is None or term in wanted:
                counts[term] += n
    # the other signed spans in one statement (one round trip, where it was one per span), kept
    # while their months are unchanged (thousands of term rows a day: the largest statements)
    parts = []
    for grain, a, b, sign in spans:
        if grain == MONTH:
            continue
        q = select(_RT.c.term, (sign * _RT.c.texts).label("n")).where(
            _RT.c.grain == grain, _RT.c.bucket_start >= a, _RT.c.bucket_start < b
        )
        if wanted is not None:
            q = q.where(in_list(d, _RT.c.term, "terms"))
        parts.append(_filtered(q, _RT, f))
    if parts:
        every = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        grouped = select(every.c.term, func.sum(every.c.n)).group_by(every.c.term)
        other = [(grain, a, b, sign) for grain, a, b, sign in spans if grain != MONTH]
        what = (
            "term days",
            f.channel,
            f.language,
            tuple(sorted(wanted)) if wanted is not None else None,
            *other,
        )
        lo_, hi_ = min(a for _, a, _, _ in other), max(b for _, _, b, _ in other)
        summed = month_cache.kept(s, what, lo_, hi_, lambda: list(s.execute(grouped, params)))
        for term, n in summed:
            counts[term] += n
    return +counts


def _days_of(a: datetime, b: datetime) -> list[datetime]:
    """The midnights of the days [a, b) touches (an edge is less than a day, maybe across one)."""
    out, day = [], _floor(a, _DAY)
    while day < b:
        out.append(day)
        day += _DAY
    return out


@dataclass
class _Day:
    """A day's inbound messages in time order: (channel, language, terms) each, and the term
    counts of the index ranges asked for so far (per filters)."""

    times: list[datetime]
    rows: list[tuple[str, str | None, frozenset[str]]]
    sums: dict[tuple[Any, ...], Counter[str]] = field(default_factory=dict)


def _edge_terms(s: Session, f: Filters, a: datetime, b: datetime, changes: list[int]) -> Counter[str]:
    """Each term's texts among the inbound messages of [a, b) (within one day), from the whole
    day's messages, read once and kept while they are unchanged: the partial day up to now is
    thousands of texts, and "now" moves with every request. The day is named by its month's
    token and the ids of its pending changes (`changes`): any change to its messages (a new one,
    a deletion, a new time, language or conversation) adds a pending change dated inside the
    day in its own transaction (the triggers of 0012_rollups), and only a fold removes one,
    which gives the month a new token (`month_cache.bump_sql`). Texts are never rewritten."""
    day = _floor(a, timedelta(days=1))

    def build() -> _Day:
        q = _raw(Filters(day, day + timedelta(days=1)), day, day + timedelta(days=1), _M.c.created_at)
        q = q.add_columns(_C.c.channel, _M.c.language, _M.c.text).order_by(_M.c.created_at)
        rows = s.execute(q).all()
        return _Day([r[0] for r in rows], [(c, lang, terms_once(t)) for _, c, lang, t in rows])

    kept = month_cache.kept(s, ("edge day", tuple(changes)), day, day + timedelta(days=1), build)
    i, j = bisect_left(kept.times, a), bisect_left(kept.times, b)
    key = (f.channel, f.language, i, j)
    out = kept.sums.get(key)
    if out is None:
        out = Counter()
        for channel, language, terms in kept.rows[i:j]:
            if f.channel in (None, channel) and f.language in (None, language):
                out.update(terms)
        kept.sums[key] = out
    return out
