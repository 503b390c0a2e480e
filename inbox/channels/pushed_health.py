""" "Stored" and "Last success" for channels that are pushed to (webhooks), read from their messages.

A poll updates its channel's counters in the poll's own transaction, serialized per channel
anyway. A webhook delivery must not: concurrent deliveries of one channel are ingested in
parallel (see `inbox.ingest.ingest`), and an UPDATE of the channel row in each would queue
them all behind one row lock. So for a pushed kind the figures are read when they are shown: the
inbound messages stored for the channel and when the last one arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors import registry
from connectors.errors import PayloadError
from inbox.conversations.serialize import iso
from inbox.store.models import ChannelAccount, Direction, Message


def _utc(t: datetime) -> datetime:
    # SQLite hands back naive times (stored as UTC); PostgreSQL aware ones
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def is_pushed(kind: str) -> bool:
    try:
        return registry.get(kind).pushed
    except PayloadError:
        return False


def stored_by_channel(s: Session, ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """Per channel: inbound messages stored and when the newest was received."""
    if not ids:
        return {}
    rows = s.execute(
        select(Message.channel_account_id, func.count(), func.max(Message.received_at))
        .where(Message.channel_account_id.in_(ids), Message.direction == Direction.IN.value)
        .group_by(Message.channel_account_id)
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def with_pushed_figures(
    s: Session, channels: list[ChannelAccount], out: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`out` (channel_dicts of `channels`, same order) with pushed channels' Stored / Last success
    taken from their messages (a kind both polled and pushed counts both ways, so the larger wins)."""
    pushed = [c.id for c in channels if is_pushed(c.kind)]
    figures = stored_by_channel(s, pushed)
    for ch, d in zip(channels, out, strict=True):
        if ch.id not in figures:
            continue
        count, last = figures[ch.id]
        health = d["health"]
        health["items_stored"] = max(health["items_stored"] or 0, count)
        if last is not None and (ch.last_success_at is None or _utc(last) > _utc(ch.last_success_at)):
            health["last_success_at"] = iso(last)
    return out
