"""Storing what a stream found: scored as `ingest` scores, checked against the query, kept once.

`store_mentions` is the listening counterpart of `inbox.ingest.ingest` for posts that are not
work: one transaction scores the page (`inbox.ingest.score_batch`), drops what the stream's query
does not match (exclusions, languages, terms in Chinese and Thai matched without spaces), inserts
each post once per network (insert-ignore on the unique key), links it to the stream once, and
saves the source's cursor, so a crash can neither lose a found post nor store one twice.
`mention.created` is announced after the commit to the team's room and the supervisors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.search.language import latin_language
from connectors.search.query import StreamQuery, primary_language
from connectors.types import InboundMessage
from inbox.channels.inbound_checks import message_problem
from inbox.conversations.serialize import iso
from inbox.ingest import score_batch
from inbox.store.context import Inbox
from inbox.store.models import ListeningSource, ListeningStream, Mention, MentionStream
from inbox.store.sql import insert_ignore


@dataclass(frozen=True)
class MentionsStored:
    stored: int  # new to this stream
    skipped: int  # already known to it, or not matching its query
    mention_ids: tuple[int, ...] = ()  # newly linked to the stream
    refused: tuple[str, ...] = ()  # posts the database cannot hold, with the reason


def rooms(team_id: int) -> tuple[str, ...]:
    """Who hears of a stream's mentions: its team's room and the supervisors (as conversations)."""
    return ("supervisors", f"team:{team_id}")


def feed_link(stream_id: int, since: datetime, until: datetime) -> str:
    """The listening page opened on one stream and the minutes an alert counted."""
    return "/listening?" + urlencode(
        {"stream": stream_id, "since": since.isoformat(), "until": until.isoformat()}
    )


def mention_dict(m: Mention, streams: list[int] | None = None) -> dict[str, Any]:
    """A mention as the API and the live feed carry it (plain text only: rendered as text)."""
    return {
        "id": m.id,
        "network": m.network,
        "external_id": m.external_id,
        "url": m.url,
        "text": m.text,
        "language": m.language,
        "sentiment": round(m.sentiment, 3),
        "sentiment_label": m.sentiment_label,
        "author": {
            "id": m.author_external_id,
            "handle": m.author_handle,
            "name": m.author_name,
            "url": m.author_url,
            "followers": m.author_followers,
        },
        "created_at": iso(m.created_at),
        "received_at": iso(m.received_at),
        "conversation_id": m.conversation_id,
        "promoted_at": iso(m.promoted_at),
        "streams": streams or [],
    }


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def store_mentions(
    inbox: Inbox, source_id: int, messages: Sequence[InboundMessage], cursor: str | None
) -> MentionsStored:
    """Store one page a source found and save its cursor, in one transaction."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        src = s.get(ListeningSource, source_id, with_for_update=True)
        if src is None:
            raise LookupError(f"listening source {source_id} does not exist")
        stream = s.get(ListeningStream, src.stream_id)
        result = _store(s, inbox.clock(), stream, messages)
        src.cursor = cursor
        src.items_stored += result.stored
        if result.mention_ids:
            shown = s.scalars(
                select(Mention).where(Mention.id.in_(result.mention_ids)).order_by(Mention.created_at)
            )
            for m in shown:
                uow.emit(
                    "mention.created",
                    {"mention": mention_dict(m, [stream.id]), "stream_id": stream.id},
                    rooms(stream.team_id),
                )
    return result


def store_found(inbox: Inbox, stream_id: int, messages: Sequence[InboundMessage]) -> MentionsStored:
    """Store posts for a stream without a source cursor (the demo, imports, tests of the feed)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        stream = s.get(ListeningStream, stream_id)
        if stream is None:
            raise LookupError(f"stream {stream_id} does not exist")
        result = _store(s, inbox.clock(), stream, messages)
        for m in s.scalars(select(Mention).where(Mention.id.in_(result.mention_ids))):
            uow.emit(
                "mention.created",
                {"mention": mention_dict(m, [stream.id]), "stream_id": stream.id},
                rooms(stream.team_id),
            )
    return result


def _store(
    s: Session, now: datetime, stream: ListeningStream, messages: Sequence[InboundMessage]
) -> MentionsStored:
    query = StreamQuery.from_dict(stream.query)
    refused: list[str] = []
    unique: dict[tuple[str, str], InboundMessage] = {}
    for m in messages:
        problem = message_problem(m)
        if problem is not None:
            refused.append(f"{m.external_id[:80]!r}: {problem[0]}: {problem[1]}")
            continue
        unique.setdefault((m.channel, m.external_id), m)
    fresh = list(unique.values())
    if not fresh:
        return MentionsStored(0, len(messages), (), tuple(refused))
    scores, _ = score_batch(s, stream.team_id, fresh)
    kept: list[tuple[InboundMessage, Any, list[str], str]] = []
    for m, sc in zip(fresh, scores, strict=True):
        # the network's own language tag wins: the scorers detect only the languages they score
        language = primary_language(m.language_hint) or sc.language or ""
        if not m.language_hint and language == "en":  # the scorers call all Latin script English
            language = latin_language(m.text)
        terms = query.matched_terms(m.text) if query.language_ok(language) else []
        if terms:
            kept.append((m, sc, terms, language))
    if not kept:
        return MentionsStored(0, len(messages), (), tuple(refused))
    for m, sc, _terms, language in kept:
        s.execute(
            insert_ignore(s, Mention, ["network", "external_id"]).values(
                network=m.channel,
                external_id=m.external_id,
                thread_key=m.thread_key,
                url=m.url,
                text=m.text,
                language=language,
                sentiment=sc.compound,
                sentiment_label=sc.label,
                author_external_id=m.author.external_id,
                author_handle=m.author.handle,
                author_name=m.author.display_name or "",
                author_url=m.author.profile_url or "",
                author_followers=m.author.followers,
                created_at=_aware(m.created_at),
                received_at=now,
            )
        )
    new_ids: list[int] = []
    for m, _sc, terms, _lang in kept:
        mid = s.scalar(
            select(Mention.id).where(Mention.network == m.channel, Mention.external_id == m.external_id)
        )
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT that did nothing
        linked = s.execute(
            insert_ignore(s, MentionStream, ["stream_id", "mention_id"])
            .values(stream_id=stream.id, mention_id=mid, matched=terms)
            .returning(MentionStream.id)
        ).first()
        if linked is not None:
            new_ids.append(mid)
    return MentionsStored(len(new_ids), len(messages) - len(new_ids), tuple(new_ids), tuple(refused))
