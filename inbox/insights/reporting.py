"""Dashboard figures from the database: volume, sentiment, top mentions, influencers, terms.

Every figure carries a `drill` dict: the query parameters of `messages()` (the
`/api/dashboard/messages` endpoint) that list exactly the messages behind it,
so no number on the dashboard is a dead end.

Buckets (hour, day, week; weeks start on Monday, all in UTC) are computed in
Python over the rows of the range, which keeps one code path for SQLite and
PostgreSQL. The range is capped (`MAX_BUCKETS`) so one request cannot ask for
years of hourly buckets. Only inbound messages count: notes and replies are
the brand speaking, not the public.

Service levels and surveys live in `inbox.insights.reporting_service`; this module
composes them into one `dashboard()` answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights import reporting_service
from inbox.insights.analytics.terms import rising_terms, tokenize
from inbox.insights.reporting_filters import (
    BUCKETS,
    Drill,
    Filters,
    bucket_floor,
    bucket_starts,
    check_supervisor,
)
from inbox.store.context import Inbox
from inbox.store.errors import Invalid, NotFound
from inbox.store.models import Conversation, Direction, Identity, Message, SpikeAlert

__all__ = ["BUCKETS", "Drill", "Filters", "dashboard", "messages"]
MAX_DRILL = 500
LABELS = ("positive", "neutral", "negative")
TOP = 5


def _base(f: Filters) -> Select[Any]:
    q = (
        select(
            Message.id,
            Message.conversation_id,
            Message.created_at,
            Message.sentiment,
            Message.sentiment_label,
            Message.language,
            Message.text,
            Message.author_identity_id,
            Conversation.channel,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Direction.IN.value, Message.created_at >= f.start, Message.created_at < f.end
        )
    )
    if f.channel:
        q = q.where(Conversation.channel == f.channel)
    if f.language:
        q = q.where(Message.language == f.language)
    return q


def _rows(s: Session, f: Filters) -> list[Any]:
    return s.execute(_base(f).order_by(Message.created_at, Message.id)).all()


def _label(row: Any) -> str:
    return row.sentiment_label if row.sentiment_label in LABELS else "neutral"


def _share(counts: Counter[str], total: int) -> dict[str, Any]:
    pct = {k: round(100.0 * counts[k] / total, 1) if total else None for k in LABELS}
    net = round(100.0 * (counts["positive"] - counts["negative"]) / total, 1) if total else None
    return {"total": total, **{k: counts[k] for k in LABELS}, "percent": pct, "net_sentiment": net}


def volume(rows: list[Any], f: Filters) -> list[dict[str, Any]]:
    """Messages and their sentiment split per bucket, empty buckets included."""
    per: dict[datetime, list[Any]] = {b: [] for b in bucket_starts(f)}
    for r in rows:
        per.setdefault(bucket_floor(r.created_at, f.bucket), []).append(r)
    out = []
    for b, items in sorted(per.items()):
        counts = Counter(_label(r) for r in items)
        scores = [r.sentiment for r in items if r.sentiment is not None]
        lo, hi = max(b, f.start), min(b + BUCKETS[f.bucket], f.end)
        out.append(
            {
                "bucket": iso(b),
                **_share(counts, len(items)),
                "mean_sentiment": round(fmean(scores), 3) if scores else None,
                "drill": f.params(**{"from": iso(lo), "to": iso(hi)}),
                "drill_by_label": {
                    k: f.params(**{"from": iso(lo), "to": iso(hi), "sentiment": k}) for k in LABELS
                },
            }
        )
    return out


def _message_brief(r: Any, authors: dict[int, Any]) -> dict[str, Any]:
    a = authors.get(r.author_identity_id)
    return {
        "id": r.id,
        "conversation_id": r.conversation_id,
        "text": r.text[:500],
        "sentiment": r.sentiment,
        "sentiment_label": _label(r),
        "language": r.language,
        "channel": r.channel,
        "created_at": iso(r.created_at),
        "author": {"id": a.id, "handle": a.handle, "display_name": a.display_name, "followers": a.followers}
        if a is not None
        else None,
    }


def top_messages(rows: list[Any], authors: dict[int, Any], f: Filters, label: str) -> list[dict[str, Any]]:
    """The most negative (or positive) messages: by score, then newest first."""
    picked = [r for r in rows if _label(r) == label and r.sentiment is not None]
    sign = 1 if label == "negative" else -1
    picked.sort(key=lambda r: (sign * r.sentiment, -r.created_at.timestamp(), -r.id))
    return [{**_message_brief(r, authors), "drill": f.params(message=r.id)} for r in picked[:TOP]]


def influencers(rows: list[Any], authors: dict[int, Any], f: Filters) -> dict[str, list[dict[str, Any]]]:
    """Authors by reach (followers) and by message count in the range."""
    counts = Counter(r.author_identity_id for r in rows if r.author_identity_id is not None)
    neg = Counter(
        r.author_identity_id for r in rows if r.author_identity_id is not None and _label(r) == "negative"
    )

    def item(ident_id: int) -> dict[str, Any]:
        a = authors[ident_id]
        return {
            "identity_id": a.id,
            "customer_id": a.customer_id,
            "handle": a.handle,
            "display_name": a.display_name,
            "channel": a.channel,
            "followers": a.followers,
            "messages": counts[ident_id],
            "negative": neg[ident_id],
            "drill": f.params(author=a.id),
        }

    known = [i for i in counts if i in authors]
    by_reach = sorted(known, key=lambda i: (-authors[i].followers, -counts[i], i))[:10]
    by_count = sorted(known, key=lambda i: (-counts[i], -authors[i].followers, i))[:10]
    return {"by_reach": [item(i) for i in by_reach], "by_messages": [item(i) for i in by_count]}


def recent_window(f: Filters) -> datetime:
    """Rising terms compare the last quarter of the range (recent) with the rest (baseline)."""
    return f.end - (f.end - f.start) / 4


def terms(rows: list[Any], f: Filters) -> list[dict[str, Any]]:
    """Terms and hashtags over-represented in the recent window (see inbox.insights.analytics.terms)."""
    cut = recent_window(f)
    recent = [r.text for r in rows if r.created_at >= cut]
    baseline = [r.text for r in rows if r.created_at < cut]
    return [
        {
            "term": t.term,
            "hashtag": t.is_hashtag,
            "recent": t.recent_count,
            "baseline": t.baseline_count,
            "expected": round(t.expected, 2),
            "ratio": round(t.ratio, 2),
            "score": round(t.score, 2),
            "drill": f.params(**{"from": iso(cut), "term": t.term}),
        }
        for t in rising_terms(recent, baseline, top=15)
    ]


def _authors(s: Session, rows: list[Any]) -> dict[int, Any]:
    ids = {r.author_identity_id for r in rows if r.author_identity_id is not None}
    if not ids:
        return {}
    return {i.id: i for i in s.scalars(select(Identity).where(Identity.id.in_(ids)))}


def alerts(s: Session, f: Filters) -> list[dict[str, Any]]:
    """Spike alerts whose bucket lies in the range (newest first)."""
    q = select(SpikeAlert).where(
        SpikeAlert.bucket_start >= f.start - timedelta(days=1), SpikeAlert.bucket_start < f.end
    )
    if f.channel:
        q = q.where(SpikeAlert.channel == f.channel)
    return [alert_dict(a) for a in s.scalars(q.order_by(SpikeAlert.bucket_start.desc()).limit(50))]


def alert_dict(a: SpikeAlert) -> dict[str, Any]:
    end = a.bucket_start + timedelta(seconds=a.bucket_seconds)
    return {
        "id": a.id,
        "channel": a.channel,
        "series": a.series,
        "bucket_start": iso(a.bucket_start),
        "bucket_end": iso(end),
        "count": a.count,
        "baseline": round(a.baseline, 2),
        "p_value": a.p_value,
        "reason": a.reason,
        "message_ids": list(a.message_ids),
        "created_at": iso(a.created_at),
        "drill": {"alert": a.id},
    }


def dashboard(inbox: Inbox, agent_id: int, f: Filters) -> dict[str, Any]:
    """All dashboard figures for the filters; supervisors and admins only."""
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        rows = _rows(s, f)
        authors = _authors(s, rows)
        counts = Counter(_label(r) for r in rows)
        scores = [r.sentiment for r in rows if r.sentiment is not None]
        return {
            "filters": {**f.params(), "bucket": f.bucket},
            "generated_at": iso(inbox.clock()),
            "totals": {
                **_share(counts, len(rows)),
                "mean_sentiment": round(fmean(scores), 3) if scores else None,
                "drill": f.params(),
                "drill_by_label": {k: f.params(sentiment=k) for k in LABELS},
            },
            "volume": volume(rows, f),
            "top_negative": top_messages(rows, authors, f, "negative"),
            "top_positive": top_messages(rows, authors, f, "positive"),
            "influencers": influencers(rows, authors, f),
            "rising_terms": terms(rows, f),
            "service_levels": reporting_service.service_levels(s, f, inbox.clock()),
            "surveys": reporting_service.surveys(s, f),
            "alerts": alerts(s, f),
        }


def messages(inbox: Inbox, agent_id: int, f: Filters, d: Drill) -> list[dict[str, Any]]:
    """The messages behind a figure: the dashboard filters plus one drill key, newest first."""
    if d.sentiment is not None and d.sentiment not in LABELS:
        raise Invalid("sentiment must be positive, neutral or negative", "sentiment")
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        if d.alert is not None:
            alert = s.get(SpikeAlert, d.alert)
            if alert is None:
                raise NotFound(f"alert {d.alert} not found")
            # An alert's messages are exactly the ones it counted, whatever the range on screen.
            span = Filters(alert.bucket_start - timedelta(days=3650), f.end + timedelta(days=3650))
            q = _base(span).where(Message.id.in_(alert.message_ids or [0]))
        else:
            q = _base(f)
        if d.sentiment:
            q = (
                q.where(Message.sentiment_label == d.sentiment)
                if d.sentiment != "neutral"
                else q.where((Message.sentiment_label == "neutral") | Message.sentiment_label.is_(None))
            )
        if d.author is not None:
            q = q.where(Message.author_identity_id == d.author)
        if d.message is not None:
            q = q.where(Message.id == d.message)
        if d.conversation is not None:
            q = q.where(Message.conversation_id == d.conversation)
        if d.sla or d.survey:
            q = q.where(
                Message.conversation_id.in_(reporting_service.drill_conversations(s, f, d, inbox.clock()))
            )
        q = q.order_by(Message.created_at.desc(), Message.id.desc())
        if d.term:
            term = d.term.casefold()
            rows = [r for r in s.execute(q.limit(20_000)).all() if term in tokenize(r.text)]
            rows = rows[d.offset : d.offset + min(d.limit, MAX_DRILL)]
        else:
            rows = s.execute(q.limit(min(d.limit, MAX_DRILL)).offset(d.offset)).all()
        authors = _authors(s, rows)
        return [_message_brief(r, authors) for r in rows]
