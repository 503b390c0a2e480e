"""Top authors of a period from per-author rollups: by message count and by reach.

"Influencers by message count" grouped every inbound message of the period by author (about
730,000 index entries for a year of the bench's traffic), the last figure of the dashboard
that grew with the period. The triggers now carry each message's author into
`rollup_pending`, the fold adds it to `rollup_authors` per day and per month (in SQL, like the
other rollups), and a period sums whole months, the days of a partial month (or a whole month
less its days outside: the signed spans of `rollup_terms`), the changes not yet folded, and at
either end the messages of less than a day. Both top-tens, with each author's messages and
negative messages, come from that one grouped sum in one statement.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from inbox.insights.dashboard_rollups import month_cache
from inbox.insights.dashboard_rollups.reach import IDENTITY, TOP, by_reach, entry
from inbox.insights.reporting_filters import Filters
from inbox.store.models import Conversation, Direction, Identity, Message, RollupAuthor, RollupPending
from inbox.store.models.rollups import ALL, MONTH
from inbox.store.sql import in_list, list_param

# An author's messages are kept once per language and once more under this "language", so a
# period without a language filter sums one row per author, month and channel: an author's
# messages come in two or three languages (detected per message), which multiplied the rows.
ANY_LANGUAGE = "*"
_RA = RollupAuthor.__table__
_P = RollupPending.__table__
_M = Message.__table__
_C = Conversation.__table__
_COLUMNS = "grain, language, bucket_start, author_identity_id, channel, messages, negative"


def fold_sql(grain: str, bucket: str, batch: str, every_language: bool) -> str:
    """Add the batch's pending message rows (those counting every message, with an author) to
    `rollup_authors` at one grain, per language or (`every_language`) under `ANY_LANGUAGE`, in
    key order."""
    language = f"'{ANY_LANGUAGE}'" if every_language else "p.language"
    return (
        f"INSERT INTO rollup_authors ({_COLUMNS}) "
        f"SELECT '{grain}', {language}, {bucket}, p.author_identity_id, p.channel, sum(p.sign), "
        "sum(CASE WHEN p.sentiment = 'negative' THEN p.sign ELSE 0 END) "
        f"FROM rollup_pending p WHERE {batch} AND p.conv_label = '{ALL}' AND p.author_identity_id IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5 "
        "ON CONFLICT (grain, language, bucket_start, author_identity_id, channel) DO UPDATE SET "
        "messages = rollup_authors.messages + excluded.messages, "
        "negative = rollup_authors.negative + excluded.negative"
    )


def _parts(f: Filters, months: bool = True) -> list[Any]:
    """(author, n, negative) selects that together count the period's inbound messages (all but
    the whole-month spans when not `months`: those are `_month_parts`)."""
    from inbox.insights.rollups import month_spans, split  # the message rollups' own spans

    parts: list[Any] = []
    edges, days = split(f.start, f.end, timedelta(days=1))
    for a, b in edges:
        q = select(
            _M.c.author_identity_id.label("author"),
            literal(1).label("n"),
            case((_M.c.sentiment_label == "negative", 1), else_=0).label("neg"),
        ).where(
            _M.c.direction == Direction.IN.value,
            _M.c.created_at >= a,
            _M.c.created_at < b,
            _M.c.author_identity_id.is_not(None),
        )
        if f.channel:
            q = q.join_from(_M, _C, _C.c.id == _M.c.conversation_id).where(_C.c.channel == f.channel)
        if f.language:
            q = q.where(_M.c.language == f.language)
        parts.append(q)
    if days is None:
        return parts
    for grain, a, b, sign in month_spans(*days):
        if grain == MONTH and not months:
            continue
        q = select(
            _RA.c.author_identity_id.label("author"),
            (sign * _RA.c.messages).label("n"),
            (sign * _RA.c.negative).label("neg"),
        ).where(_RA.c.grain == grain, _RA.c.bucket_start >= a, _RA.c.bucket_start < b)
        parts.append(_filtered(q, _RA, f, rolled=True))
    q = select(
        _P.c.author_identity_id.label("author"),
        _P.c.sign.label("n"),
        case((_P.c.sentiment == "negative", _P.c.sign), else_=0).label("neg"),
    ).where(
        _P.c.conv_label == ALL,
        _P.c.created_at >= days[0],
        _P.c.created_at < days[1],
        _P.c.author_identity_id.is_not(None),
    )
    parts.append(_filtered(q, _P, f))
    return parts


def _filtered(q: Any, table: Any, f: Filters, rolled: bool = False) -> Any:
    if f.channel:
        q = q.where(table.c.channel == f.channel)
    if f.language:
        q = q.where(table.c.language == f.language)
    elif rolled:
        q = q.where(table.c.language == ANY_LANGUAGE)
    return q


def _whole_months(f: Filters) -> list[tuple[Any, Any, int]]:
    """The signed whole-month spans (from, to, sign) of the period's `month_spans`."""
    from inbox.insights.rollups import month_spans, split

    _, days = split(f.start, f.end, timedelta(days=1))
    return [(a, b, sign) for grain, a, b, sign in (month_spans(*days) if days else ()) if grain == MONTH]


def _grouped(parts: list[Any]) -> Any:
    every = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(every.c.author, func.sum(every.c.n), func.sum(every.c.neg)).group_by(every.c.author)


def _month_query(f: Filters, spans: list[tuple[Any, Any, int]]) -> Any:
    parts = []
    for a, b, sign in spans:
        q = select(
            _RA.c.author_identity_id.label("author"),
            (sign * _RA.c.messages).label("n"),
            (sign * _RA.c.negative).label("neg"),
        ).where(_RA.c.grain == MONTH, _RA.c.bucket_start >= a, _RA.c.bucket_start < b)
        parts.append(_filtered(q, _RA, f, rolled=True))
    return _grouped(parts)


def top_authors(s: Session, f: Filters) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(by messages, by reach): the ten authors with the most inbound messages in the period
    (then followers, then id), and the ten most followed who wrote in it (then messages, then
    id), each with its identity, messages and negative messages.

    The whole months' sums come from `month_cache` when their months are unchanged since they
    were summed (`cached_top`); otherwise everything is summed in one statement."""
    spans = _whole_months(f)
    if spans:
        return cached_top(s, f, month_cache.month_sums(s, f, spans, lambda: _month_query(f, spans)))
    return _top_by_sql(s, f)


def _top_by_sql(s: Session, f: Filters) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    every = union_all(*_parts(f)).subquery()
    n = func.sum(every.c.n)
    counts = (
        select(every.c.author, n.label("n"), func.sum(every.c.neg).label("neg"))
        .group_by(every.c.author)
        .having(n > 0)
        .cte("author_counts")
    )
    # Only the authors at or above the tenth count can be in the first list: the others are
    # never joined to their identity (a year holds tens of thousands of authors).
    tenth = select(counts.c.n).order_by(counts.c.n.desc()).offset(TOP - 1).limit(1).scalar_subquery()
    columns = (*IDENTITY, counts.c.n, counts.c.neg)
    joined = counts.join(Identity.__table__, Identity.id == counts.c.author)
    by_messages = (
        select(literal("m").label("list"), *columns)
        .select_from(joined)
        .where(counts.c.n >= func.coalesce(tenth, 0))
        .order_by(counts.c.n.desc(), Identity.followers.desc(), Identity.id)
        .limit(TOP)
        .subquery()
    )
    by_reach = (
        select(literal("r").label("list"), *columns)
        .select_from(joined)
        .order_by(Identity.followers.desc(), counts.c.n.desc(), Identity.id)
        .limit(TOP)
        .subquery()
    )
    rows = s.execute(select(by_messages).union_all(select(by_reach))).all()
    out: dict[str, list[dict[str, Any]]] = {"m": [], "r": []}
    for r in rows:
        out[r.list].append(entry(r, r.n, r.neg))
    return _sorted(out["m"], out["r"])


def _sorted(
    m: list[dict[str, Any]], r: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    m.sort(key=lambda a: (-a["messages"], -a["followers"], a["identity_id"]))
    r.sort(key=lambda a: (-a["followers"], -a["messages"], a["identity_id"]))
    return m[:TOP], r[:TOP]


def cached_top(
    s: Session, f: Filters, sums: month_cache.Sums
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both top-tens from the whole months' cached sums plus the rest of the period, summed now
    (`_parts` without the whole months: at most half a month of day rows at each end, the
    pending changes, the ragged ends). The same answer as `_top_by_sql`: every author at or
    above the tenth count is looked up; by reach goes down the follower counts (`reach.by_reach`)."""
    rest = _parts(f, months=False)
    delta: dict[int, tuple[int, int]] = {}
    if rest:
        for a, n, neg in s.execute(_grouped(rest)):
            if a is not None:
                base = sums.counts.get(int(a), (0, 0))
                delta[int(a)] = (base[0] + int(n), base[1] + int(neg or 0))

    def count(a: int) -> tuple[int, int]:
        return delta.get(a) or sums.counts.get(a, (0, 0))

    best = sorted((n for n, _ in delta.values() if n > 0), reverse=True)[:TOP]
    taken = 0
    for n, a in sums.ranked:
        if taken == TOP or n <= 0:
            break
        if a not in delta:
            best.append(n)
            taken += 1
    best.sort(reverse=True)
    tenth = max(best[TOP - 1] if len(best) >= TOP else 0, 1)
    candidates = [a for a, (n, _) in delta.items() if n >= tenth]
    for n, a in sums.ranked:
        if n < tenth:
            break
        if a not in delta:
            candidates.append(a)
    d = s.get_bind().dialect.name
    by_messages = []
    if candidates:
        q = select(*IDENTITY).where(in_list(d, Identity.id, "ids"))
        for r in s.execute(q, {"ids": list_param(d, candidates)}):
            by_messages.append(entry(r, *count(r.id)))

    def writers() -> Iterator[int]:
        rising = sorted(((n, a) for a, (n, _) in delta.items() if n > 0), key=lambda x: (-x[0], x[1]))
        rest = ((n, a) for n, a in sums.ranked if n > 0 and a not in delta)
        return (a for _, a in heapq.merge(rising, rest, key=lambda x: (-x[0], x[1])))

    return _sorted(by_messages, by_reach(s, count, writers))
