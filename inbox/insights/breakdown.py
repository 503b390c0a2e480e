"""Dashboard series split by one dimension: channel, language or conversation label.

Why: a brand manager compares lines ("is Thai worse than English this week?", "which topic is
angriest?"), which one total per bucket cannot show. The counts come from the same rollups as the
totals (`inbox.insights.rollups`), read the same way: whole buckets from `rollup_messages`, the
changes still pending from `rollup_pending`, and the ragged edges from the messages, so a series
adds up to what its drill lists. Channel and language are rollup keys at every grain; labels are
kept per day only, so a label split by the hour (ranges of a few weeks at most, `MAX_BUCKETS`)
is counted from the messages of the range.

Only the `MAX_SERIES` largest values get a line; the rest are counted in `more`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights import reporting, rollups
from inbox.insights.reporting_filters import BUCKETS, Filters, bucket_floor, bucket_starts, check_supervisor
from inbox.store.context import Inbox
from inbox.store.models import ConversationLabel, Label
from inbox.store.models.rollups import ALL, DAY, HOUR

DIMENSIONS = ("channel", "language", "label")
LABELS = ("positive", "neutral", "negative")
MAX_SERIES = 8
_CL = ConversationLabel.__table__
Row = tuple[datetime, str, str, int, int, float]  # at, key, sentiment label, messages, scored, sum


def _raw_rows(s: Session, f: Filters, by: str, lo: datetime, hi: datetime) -> Iterator[Row]:
    """Single messages of [lo, hi), keyed by the dimension (a message counts under each label)."""
    m, c = rollups._M, rollups._C
    if by == "label":
        q = rollups._raw(f, lo, hi, m.c.created_at, _CL.c.label, m.c.sentiment_label, m.c.sentiment)
        q = q.join(_CL, _CL.c.conversation_id == m.c.conversation_id)
    else:
        key = c.c.channel if by == "channel" else m.c.language
        q = rollups._raw(f, lo, hi, m.c.created_at, key, m.c.sentiment_label, m.c.sentiment)
    for at, key, label, compound in s.execute(q):
        yield at, key or "", rollups._label(label), 1, compound is not None, compound or 0.0


def _rolled(s: Session, f: Filters, by: str, grain: str, lo: datetime, hi: datetime) -> Iterator[Row]:
    """Rollup buckets of one grain in [lo, hi), keyed by the dimension."""
    rm = rollups._RM
    key = rm.c.conv_label if by == "label" else rm.c[by]
    q = select(
        rm.c.bucket_start,
        key,
        rm.c.sentiment,
        func.sum(rm.c.messages),
        func.sum(rm.c.scored),
        func.sum(rm.c.sentiment_sum),
    ).where(rm.c.grain == grain, rm.c.bucket_start >= lo, rm.c.bucket_start < hi)
    q = q.where(rm.c.conv_label != ALL) if by == "label" else q.where(rm.c.conv_label == ALL)
    yield from s.execute(rollups._filtered(q, rm, f).group_by(rm.c.bucket_start, key, rm.c.sentiment))


def _pending(s: Session, f: Filters, by: str, lo: datetime, hi: datetime) -> Iterator[Row]:
    p = rollups._P
    key = p.c.conv_label if by == "label" else p.c[by]
    q = select(p.c.created_at, key, p.c.sentiment, p.c.sign, p.c.sign * p.c.scored, p.c.sign * p.c.compound)
    q = q.where(p.c.created_at >= lo, p.c.created_at < hi)
    q = q.where(p.c.conv_label != ALL) if by == "label" else q.where(p.c.conv_label == ALL)
    yield from s.execute(rollups._filtered(q, p, f))


def counted_by(s: Session, f: Filters, by: str) -> Iterator[Row]:
    """Rows that together count the inbound messages of the filters' range per dimension value,
    at the grain the bucket needs (hours for hourly buckets, else days and the hours at the ends)."""
    hourly = f.bucket == "hour"
    if by == "label":
        if hourly:
            yield from _raw_rows(s, f, by, f.start, f.end)
            return
        edges, days = rollups.split(f.start, f.end, timedelta(days=1))
        for a, b in edges:
            yield from _raw_rows(s, f, by, a, b)
        if days is not None:
            yield from _rolled(s, f, by, DAY, *days)
            yield from _pending(s, f, by, *days)
        return
    edges, middle = rollups.split(f.start, f.end, timedelta(hours=1))
    for a, b in edges:
        yield from _raw_rows(s, f, by, a, b)
    if middle is None:
        return
    spans = [(HOUR, *middle)]
    if not hourly:
        hour_edges, days = rollups.split(*middle, timedelta(days=1))
        if days is not None:
            spans = [(HOUR, a, b) for a, b in hour_edges] + [(DAY, *days)]
    for grain, a, b in spans:
        yield from _rolled(s, f, by, grain, a, b)
    yield from _pending(s, f, by, *middle)


def _net(c: Counter[str]) -> float | None:
    total = sum(c.values())
    return round(100.0 * (c["positive"] - c["negative"]) / total, 1) if total else None


def series(s: Session, f: Filters, by: str) -> dict[str, Any]:
    """Per value of `by`: totals by sentiment, net sentiment, and per bucket volume and net."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    starts = bucket_starts(f)
    index = {b: i for i, b in enumerate(starts)}
    per: dict[str, list[Counter[str]]] = defaultdict(lambda: [Counter() for _ in starts])
    for at, key, label, n, _scored, _sum in counted_by(s, f, by):
        if n:
            per[key][index[bucket_floor(at, f.bucket)]][rollups._label(label)] += n
    totals = {k: sum(v, Counter()) for k, v in per.items()}
    ranked = sorted((k for k in totals if sum(totals[k].values()) > 0), key=lambda k: (-totals[k].total(), k))
    drill_key = {"channel": "channel", "language": "language", "label": "label"}[by]
    out = []
    for key in ranked[:MAX_SERIES]:
        t = totals[key]
        out.append(
            {
                "key": key,
                "total": t.total(),
                **{k: t[k] for k in LABELS},
                "net_sentiment": _net(t),
                "volume": [c.total() for c in per[key]],
                "net": [_net(c) for c in per[key]],
                "drill": f.params(**{drill_key: key}),
            }
        )
    return {
        "by": by,
        "bucket": f.bucket,
        "buckets": [iso(max(b, f.start)) for b in starts],
        "bucket_ends": [iso(min(b + BUCKETS[f.bucket], f.end)) for b in starts],
        "series": out,
        "more": max(0, len(ranked) - MAX_SERIES),
    }


def dashboard_series(inbox: Inbox, agent_id: int, f: Filters, by: str) -> dict[str, Any]:
    """`series` in one snapshot; supervisors and admins only."""
    with inbox.read() as s:
        rollups.snapshot(s)
        check_supervisor(s, agent_id)
        return series(s, f, by)


def rising_by_language(inbox: Inbox, agent_id: int, f: Filters, languages: int = 3) -> list[dict[str, Any]]:
    """Rising terms for each of the `languages` busiest languages of the range (or the one the
    filters name): terms of different languages never compete for one top-15 list."""
    with inbox.read() as s:
        rollups.snapshot(s)
        check_supervisor(s, agent_id)
        if f.language:
            langs = [f.language]
        else:
            top = series(s, replace(f, bucket="week"), "language")  # weeks: few buckets, same totals
            langs = [x["key"] for x in top["series"] if x["key"]][:languages]
        return [{"language": lang, "terms": reporting.terms(s, replace(f, language=lang))} for lang in langs]


def filter_options(inbox: Inbox, agent_id: int) -> dict[str, list[str]]:
    """The values the dashboard's pickers offer: the channels, languages and conversation labels
    that have been counted (plus the labels defined). A picker of what exists never silently
    matches nothing, as free text ("Thai", "twitter") did."""
    rm, p = rollups._RM, rollups._P
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        counted = select(rm.c.channel, rm.c.language, rm.c.conv_label).where(rm.c.grain == DAY).distinct()
        pending = select(p.c.channel, p.c.language, p.c.conv_label).distinct()
        rows = [*s.execute(counted), *s.execute(pending)]
        labels = set(s.scalars(select(Label.name)))
    return {
        "channels": sorted({r[0] for r in rows if r[0]}),
        "languages": sorted({r[1] for r in rows if r[1]}),
        "labels": sorted(labels | {r[2] for r in rows if r[2] != ALL}),
        "dimensions": list(DIMENSIONS),
    }
