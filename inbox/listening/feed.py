"""Reading what streams found: the feed (newest first, filtered) and the summary the dashboard reads.

The summary counts each (stream, mention) pair once: a post two streams found counts for both,
as share of voice needs. Share of voice is a stream's mentions over the mentions of all brand
and competitor streams in the period (the dashboard computes it from `streams`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from connectors.errors import PayloadError
from connectors.search.query import TAGS, StreamQuery
from inbox.listening.mentions import feed_link, mention_dict
from inbox.listening.streams import manager
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid
from inbox.store.models import ListeningStream, Mention, MentionStream, SpikeAlert
from inbox.store.sql import dialect_of

MAX_PAGE = 200
LABELS = ("positive", "neutral", "negative")


def _day(s: Session) -> Any:
    """The UTC day of a mention as "YYYY-MM-DD" text on either backend (stored as naive UTC)."""
    if dialect_of(s) == "postgresql":
        return func.to_char(Mention.created_at, "YYYY-MM-DD")
    return func.substr(Mention.created_at, 1, 10)


def feed(
    inbox: Inbox,
    agent_id: int,
    *,
    stream: int | None = None,
    tag: str | None = None,
    sentiment: str | None = None,
    language: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Mentions newest first (by id: the order they arrived), with the streams that found each."""
    if tag is not None and tag not in TAGS:
        raise Invalid(N_("tag must be one of %(choices)s"), "tag", choices=", ".join(TAGS))
    if sentiment is not None and sentiment not in LABELS:
        raise Invalid(N_("sentiment must be one of %(choices)s"), "sentiment", choices=", ".join(LABELS))
    limit = max(1, min(MAX_PAGE, limit))
    with inbox.read() as s:
        manager(s, agent_id)
        linked = select(MentionStream.mention_id).join(
            ListeningStream, ListeningStream.id == MentionStream.stream_id
        )
        if stream is not None:
            linked = linked.where(MentionStream.stream_id == stream)
        if tag is not None:
            linked = linked.where(ListeningStream.tag == tag)
        q = select(Mention).where(Mention.id.in_(linked))
        if sentiment:
            q = q.where(Mention.sentiment_label == sentiment)
        if language:
            q = q.where(Mention.language == language)
        if since is not None:
            q = q.where(Mention.received_at >= since)
        if until is not None:
            q = q.where(Mention.received_at < until)
        if before is not None:
            q = q.where(Mention.id < before)
        rows = list(s.scalars(q.order_by(Mention.id.desc()).limit(limit + 1)))
        page = rows[:limit]
        streams: dict[int, list[int]] = defaultdict(list)
        if page:
            for mid, sid in s.execute(
                select(MentionStream.mention_id, MentionStream.stream_id)
                .where(MentionStream.mention_id.in_([m.id for m in page]))
                .order_by(MentionStream.stream_id)
            ):
                streams[mid].append(sid)
        languages = sorted(code for code in s.scalars(select(Mention.language).distinct()) if code)
        return {
            "mentions": [mention_dict(m, streams[m.id]) for m in page],
            "next_before": page[-1].id if len(rows) > limit else None,
            "languages": languages,
        }


def summary(
    inbox: Inbox, agent_id: int, since: datetime, until: datetime, stream: int | None = None
) -> dict[str, Any]:
    """Per stream: mentions and their sentiment in [since, until); per stream and UTC day: the series."""
    if until <= since:
        raise Invalid(N_("until must be after since"), "until")
    with inbox.read() as s:
        manager(s, agent_id)
        streams_q = select(ListeningStream).order_by(ListeningStream.id)
        if stream is not None:
            streams_q = streams_q.where(ListeningStream.id == stream)
        streams = list(s.scalars(streams_q))
        ids = [st.id for st in streams]
        window = (
            MentionStream.stream_id.in_(ids),
            Mention.created_at >= since,
            Mention.created_at < until,
        )
        counts: dict[int, dict[str, int]] = {i: dict.fromkeys(LABELS, 0) for i in ids}
        for sid, label, n in s.execute(
            select(MentionStream.stream_id, Mention.sentiment_label, func.count())
            .join(Mention, Mention.id == MentionStream.mention_id)
            .where(*window)
            .group_by(MentionStream.stream_id, Mention.sentiment_label)
        ):
            counts[sid][label if label in LABELS else "neutral"] += n
        day = _day(s).label("day")
        series = [
            {"stream_id": sid, "bucket": d, "mentions": n, "negative": int(neg or 0)}
            for sid, d, n, neg in s.execute(
                select(
                    MentionStream.stream_id,
                    day,
                    func.count(),
                    func.sum(case((Mention.sentiment_label == "negative", 1), else_=0)),
                )
                .join(Mention, Mention.id == MentionStream.mention_id)
                .where(*window)
                .group_by(MentionStream.stream_id, day)
                .order_by(MentionStream.stream_id, day)
            )
        ]
        return {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "streams": [
                {
                    "id": st.id,
                    "name": st.name,
                    "tag": st.tag,
                    "mentions": sum(counts[st.id].values()),
                    **counts[st.id],
                }
                for st in streams
            ],
            "series": series,
        }


def check(inbox: Inbox, agent_id: int) -> None:
    """Listening actions are for supervisors and admins."""
    with inbox.read() as s:
        manager(s, agent_id)


PREVIEW_SCAN = 2000  # the most recent mentions the form's preview checks


def preview(inbox: Inbox, agent_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """What a query being edited would match among the most recent stored mentions, and how many."""
    try:
        query = StreamQuery.from_dict(body.get("query") or {})
    except PayloadError as exc:
        raise Invalid(exc.message, exc.field) from None
    with inbox.read() as s:
        manager(s, agent_id)
        recent = list(s.scalars(select(Mention).order_by(Mention.id.desc()).limit(PREVIEW_SCAN)))
        hits = [m for m in recent if query.matches(m.text, m.language)]
        return {
            "scanned": len(recent),
            "matched": len(hits),
            "mentions": [mention_dict(m) for m in hits[:20]],
            "searches": {"x": query.x_query(), "reddit": query.reddit_query(), "terms": list(query.positive)},
        }


def recent_alerts(inbox: Inbox, agent_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The streams' most recent alerts, newest first, each with its sentence and the stream named."""
    with inbox.read() as s:
        manager(s, agent_id)
        names = dict(s.execute(select(ListeningStream.id, ListeningStream.name)).all())
        out = []
        for a in s.scalars(
            select(SpikeAlert)
            .where(SpikeAlert.channel == "listening")
            .order_by(SpikeAlert.id.desc())
            .limit(max(1, min(100, limit)))
        ):
            stream_id = int(a.series.split(":")[1])
            end = a.bucket_start + timedelta(seconds=a.bucket_seconds)
            out.append(
                {
                    "id": a.id,
                    "series": a.series,
                    "stream_id": stream_id,
                    "stream": names.get(stream_id),
                    "sentence": a.reason,
                    "count": a.count,
                    "bucket_start": a.bucket_start.isoformat(),
                    "bucket_end": end.isoformat(),
                    "link": feed_link(stream_id, a.bucket_start, end),
                }
            )
        return out
