"""Dashboard figures from the database: volume, sentiment, top mentions, influencers, terms.

Every figure carries a `drill` dict: the query parameters of `messages()` (the
`/api/dashboard/messages` endpoint) that list exactly the messages behind it,
so no number on the dashboard is a dead end.

Counts, sentiment and rising terms come from the rollups (`inbox.insights.rollups`):
a year answers from a few thousand rows, and no message of the range is loaded.
Top mentions are top-N queries that an index answers in order; influencers (top authors by
reach and by count) sum the per-author rollups.
Buckets (hour, day, week; weeks start on Monday, all in UTC) are folded in Python
from the rollup rows. The range is capped (`MAX_BUCKETS`) so one request cannot
ask for years of hourly buckets. Only inbound messages count: notes and replies
are the brand speaking, not the public.

Service levels and surveys live in `inbox.insights.reporting_service`; this module
composes them into one `dashboard()` answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, literal_column, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import iso
from inbox.insights import alert_sentence, reporting_service, rollups
from inbox.insights.analytics.terms import rising_from_counts, tokenize
from inbox.insights.dashboard_rollups import authors
from inbox.insights.reporting_filters import (
    BUCKETS,
    Drill,
    Filters,
    bucket_floor,
    bucket_starts,
    check_supervisor,
)
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Conversation, ConversationLabel, Direction, Identity, Message, SpikeAlert

__all__ = ["BUCKETS", "Drill", "Filters", "dashboard", "messages"]
MAX_DRILL = 500
LABELS = ("positive", "neutral", "negative")
TOP = 5
MIN_TERM_COUNT = 3  # a term needs this many recent texts to be called rising


def _base(f: Filters, at: Any = Message.created_at) -> Select[Any]:
    """Inbound messages of the range matching the filters; `at` is the time the range bounds."""
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
        .where(Message.direction == Direction.IN.value, at >= f.start, at < f.end)
    )
    if f.channel:
        q = q.where(Conversation.channel == f.channel)
    if f.language:
        q = q.where(Message.language == f.language)
    return q


# SQLite's planner, without statistics to say how wide a range is, reads the time index for any
# range and sorts all of it; "+created_at" (a no-op that no index serves) leaves it the sentiment
# index, which hands over the top messages first. Over a week that is the better bet (a day's
# range would walk far down the sentiment index); PostgreSQL chooses by its statistics.
_UNINDEXED_AT = literal_column("+messages.created_at", Message.created_at.type)
_SENTIMENT_FIRST = timedelta(days=7)
_WHOLE_DAY_TERMS = timedelta(days=8)


def _label(row: Any) -> str:
    return row.sentiment_label if row.sentiment_label in LABELS else "neutral"


def _share(counts: Counter[str], total: int) -> dict[str, Any]:
    pct = {k: round(100.0 * counts[k] / total, 1) if total else None for k in LABELS}
    net = round(100.0 * (counts["positive"] - counts["negative"]) / total, 1) if total else None
    return {"total": total, **{k: counts[k] for k in LABELS}, "percent": pct, "net_sentiment": net}


def _mean(t: rollups.Tally) -> float | None:
    return round(t.compound / t.scored, 3) if t.scored else None


def volume(
    s: Session, f: Filters, cut: datetime | None = None
) -> tuple[list[dict[str, Any]], rollups.Tally, tuple[int, int] | None]:
    """Messages and their sentiment split per bucket, empty buckets included, and the totals,
    counted from the rollups (`inbox.insights.rollups.counted`).

    With a `cut` at a midnight (rising terms' recent window over 8 days or more) it also returns
    the messages before and from it: every counted row (a day, an hour, a pending change or one
    message) lies wholly on one side of a midnight, so the split is exact and rising terms need
    not read the same rollup rows twice more."""
    per = {b: rollups.Tally() for b in bucket_starts(f)}
    total = rollups.Tally()
    aligned = cut is not None and cut == cut.replace(hour=0, minute=0, second=0, microsecond=0)
    before = 0
    for at, label, n, scored, compound in rollups.counted(s, f, f.start, f.end, hourly=f.bucket == "hour"):
        per.setdefault(bucket_floor(at, f.bucket), rollups.Tally()).add(label, n, scored, compound)
        total.add(label, n, scored, compound)
        if aligned and at < cut:  # type: ignore[operator]
            before += n
    out = []
    # The drills are `f.params(from=..., to=...[, sentiment=...])`, built from one copy of the
    # filters' parameters with each bucket's bounds formatted once: a year has 365 buckets of
    # four drills each, and building them was a fifth of the request's Python.
    base, step = f.params(), BUCKETS[f.bucket]
    for b, t in sorted(per.items()):
        lo, hi = max(b, f.start), min(b + step, f.end)
        drill = {**base, "from": lo.isoformat(), "to": hi.isoformat()}
        out.append(
            {
                "bucket": b.isoformat(),
                **_share(t.labels, t.total),
                "mean_sentiment": _mean(t),
                "drill": drill,
                "drill_by_label": {k: {**drill, "sentiment": k} for k in LABELS},
            }
        )
    return out, total, ((before, total.total - before) if aligned else None)


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


def top_messages(s: Session, f: Filters, label: str) -> list[dict[str, Any]]:
    """The most negative (or positive) messages: by score, then newest first, then id. The
    label's partial index (`ix_messages_top_negative` / `_positive`, migration 0013_pgdash) holds
    them in exactly that order, so a handful of index entries are read, not the range. The label
    is written as a literal: a planner can use a partial index only when the query's condition
    is its own, which a bound parameter does not show it."""
    if label not in ("negative", "positive"):
        raise ValueError(label)
    order = Message.sentiment.asc() if label == "negative" else Message.sentiment.desc()
    sentiment_first = s.get_bind().dialect.name == "sqlite" and f.end - f.start > _SENTIMENT_FIRST
    q = _base(f, _UNINDEXED_AT if sentiment_first else Message.created_at).where(
        Message.sentiment_label == literal_column(f"'{label}'"), Message.sentiment.is_not(None)
    )
    rows = s.execute(q.order_by(order, Message.created_at.desc(), Message.id.desc()).limit(TOP)).all()
    authors = _authors(s, rows)
    return [{**_message_brief(r, authors), "drill": f.params(message=r.id)} for r in rows]


def influencers(s: Session, f: Filters) -> dict[str, list[dict[str, Any]]]:
    """Authors by reach (followers, then messages in the range, then id) and by message count
    in the range (then followers, then id), with their messages and negative messages: both
    from the per-author rollups (`inbox.insights.dashboard_rollups.authors`), so a year reads a
    grouped sum of rollup rows, not the period's messages."""
    by_messages, by_reach = authors.top_authors(s, f)
    return {
        "by_reach": [{**a, "drill": f.params(author=a["identity_id"])} for a in by_reach],
        "by_messages": [{**a, "drill": f.params(author=a["identity_id"])} for a in by_messages],
    }


def recent_window(f: Filters) -> datetime:
    """Rising terms compare the last quarter of the range (recent) with the rest (baseline).
    From 8 days on the cut is moved back to the midnight (UTC) before it: both windows are then
    whole days of the term rollups, where an hour-of-day cut made each of them read and
    tokenize up to a day of texts (about 2,000 on the one-year bench, Thai and Chinese
    segmentation included) on every request."""
    cut = f.end - (f.end - f.start) / 4
    if f.end - f.start >= _WHOLE_DAY_TERMS:
        cut = max(f.start, cut.replace(hour=0, minute=0, second=0, microsecond=0))
    return cut


def terms(s: Session, f: Filters, split_counts: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """Terms and hashtags over-represented in the recent window (see inbox.analytics.terms),
    from the daily term rollups; the baseline is read for the recent window's frequent terms only.
    `split_counts`: the inbound messages before and from `recent_window(f)` when the caller has
    counted them already (`volume`); otherwise they are tallied here."""
    cut = recent_window(f)
    recent = rollups.term_counts(s, f, cut, f.end)
    candidates = [t for t, n in recent.items() if n >= MIN_TERM_COUNT]
    baseline = rollups.term_counts(s, f, f.start, cut, only=candidates) if candidates else Counter()
    if not candidates:
        n_base = n_recent = 0
    elif split_counts is not None:
        n_base, n_recent = split_counts
    else:
        n_recent = rollups.tally(s, f, cut, f.end).total
        n_base = rollups.tally(s, f, f.start, cut).total
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
        for t in rising_from_counts(recent, n_recent, baseline, n_base, top=15, min_count=MIN_TERM_COUNT)
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
        # the readable form; a stream's alert stored its sentence (naming the stream) when it fired;
        # a channel's comes with its template and values, for the page to say in the reader's language
        **_said(a),
    }


def _said(a: Any) -> dict[str, Any]:
    if a.series.startswith("stream:") and a.reason:
        return {"sentence": a.reason}
    said = alert_sentence.for_alert(a.series, a.channel, a.count, a.bucket_seconds, a.baseline)
    return {"sentence": said["sentence"], "template": said["template"], "args": said["args"]}


def dashboard(inbox: Inbox, agent_id: int, f: Filters) -> dict[str, Any]:
    """All dashboard figures for the filters; supervisors and admins only."""
    with inbox.read() as s:
        rollups.snapshot(s)
        check_supervisor(s, agent_id)
        buckets, total, split_counts = volume(s, f, recent_window(f))
        return {
            "filters": {**f.params(), "bucket": f.bucket},
            "generated_at": iso(inbox.clock()),
            "totals": {
                **_share(total.labels, total.total),
                "mean_sentiment": _mean(total),
                "drill": f.params(),
                "drill_by_label": {k: f.params(sentiment=k) for k in LABELS},
            },
            "volume": buckets,
            "top_negative": top_messages(s, f, "negative"),
            "top_positive": top_messages(s, f, "positive"),
            "influencers": influencers(s, f),
            "rising_terms": terms(s, f, split_counts),
            "service_levels": reporting_service.service_levels(s, f, inbox.clock()),
            "surveys": reporting_service.surveys(s, f),
            "alerts": alerts(s, f),
        }


def messages(inbox: Inbox, agent_id: int, f: Filters, d: Drill) -> list[dict[str, Any]]:
    """The messages behind a figure: the dashboard filters plus one drill key, newest first."""
    if d.sentiment is not None and d.sentiment not in LABELS:
        raise Invalid(N_("sentiment must be positive, neutral or negative"), "sentiment")
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        if d.alert is not None:
            alert = s.get(SpikeAlert, d.alert)
            if alert is None:
                raise NotFound(N_("alert %(alert)s not found"), alert=d.alert)
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
        if d.label is not None:
            labelled = select(ConversationLabel.conversation_id).where(ConversationLabel.label == d.label)
            q = q.where(Message.conversation_id.in_(labelled))
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
