"""Inbound deliveries for the scaled mode, recorded: a webhook's messages written at once, one row
each, into per-conversation lanes, for a worker to ingest later (`inbox.channels.draining`).

A webhook view verifies a delivery, `record`s (or `receive`s) its messages, committed before
the 2xx answer, and names the lanes that now have work. A message's lane is a hash of its
conversation key (`thread_key`), so one conversation's messages are in one lane, in arrival
order (the row id); a repeat of a message still waiting is recorded once (its unique key).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from connectors.types import InboundMessage
from inbox.channels.accounts import VerifiedDelivery, verify_webhook
from inbox.channels.pipelined import Autocommit
from inbox.store.context import Inbox
from inbox.store.models import InboundDelivery

# Lanes per channel. Changing it while deliveries wait could put a conversation's newer message
# in another lane than its older one; it is a constant for that reason.
LANES = 16

_codec = TypeAdapter(InboundMessage)


def lane_of(thread_key: str) -> int:
    """The lane of a conversation key: stable across processes and restarts (not `hash()`)."""
    return zlib.crc32(thread_key.encode()) % LANES


def encode(message: InboundMessage) -> str:
    return _codec.dump_json(message).decode()


def decode(payload: str) -> InboundMessage:
    return _codec.validate_json(payload)


@dataclass(frozen=True)
class Recorded:
    queued: int  # messages written for a worker
    waiting: int  # repeats of messages already waiting (stored nothing new)
    lanes: tuple[int, ...]  # lanes to wake: those of every message of the delivery


def record(inbox: Inbox, channel_id: int, messages: Sequence[InboundMessage]) -> Recorded:
    """Write verified messages for the workers and commit; a repeat of a waiting one is ignored.

    (A repeat of a message already ingested is written again and dropped by ingest's dedup.)
    """
    with inbox.unit_of_work() as uow:
        return _record(uow.session.connection(), inbox, channel_id, messages)


def receive(
    inbox: Inbox,
    channel_id: int,
    headers: Mapping[str, str],
    raw_body: bytes | Callable[[str], bytes],
) -> tuple[VerifiedDelivery, Recorded]:
    """Verify a pushed delivery (`accounts.verify_webhook`) and `record` its messages.

    On PostgreSQL both run on one connection in autocommit: the channel's row is one SELECT and
    the recording one INSERT, each atomic on its own, so no BEGIN, COMMIT or second pool
    checkout is paid: 2 round trips to the database instead of 8 (3 when the connection rested
    long enough to be pinged, see `inbox.store.db`), on the path every webhook takes. SQLite
    (tests) keeps a read and a write transaction.
    """
    if inbox.dialect != "postgresql":
        delivery = verify_webhook(inbox, channel_id, headers, raw_body)
        return delivery, record(inbox, channel_id, delivery.messages)
    # on the driver's cursor: SQLAlchemy's execution context was a third of this path's CPU
    with Autocommit(inbox.engine) as conn:
        delivery = verify_webhook(inbox, channel_id, headers, raw_body, read=conn.first)
        return delivery, _recorded(inbox, channel_id, delivery.messages, conn.returned)


def _record(conn: Connection, inbox: Inbox, channel_id: int, messages: Sequence[InboundMessage]) -> Recorded:
    statement = _record_statement(conn.dialect.name)
    return _recorded(
        inbox, channel_id, messages, lambda _s, rows: list(conn.execute(statement, rows).scalars())
    )


def _recorded(
    inbox: Inbox,
    channel_id: int,
    messages: Sequence[InboundMessage],
    insert: Callable[[Any, list[dict[str, Any]]], list[Any]],
) -> Recorded:
    """Record `messages` with `insert(statement, rows)`, which returns a value per row written."""
    unique = {m.external_id: m for m in messages}
    if not unique:
        return Recorded(0, 0, ())
    now = inbox.clock()
    rows = [
        {
            "channel_account_id": channel_id,
            "lane": lane_of(m.thread_key),
            "external_id": key,
            "payload": encode(m),
            "received_at": now,
        }
        for key, m in unique.items()
    ]
    inserted = len(insert(_record_statement(inbox.dialect), rows))
    # Every lane of the delivery, also for repeats of waiting messages: a sender retries when its
    # first attempt was recorded but the web process died before waking the lane, and that
    # message must not wait for the sweep. A lane with a drain pending is not woken twice.
    lanes = tuple(sorted({row["lane"] for row in rows}))
    return Recorded(inserted, len(messages) - inserted, lanes)


@cache
def _record_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING lane, built once per dialect."""
    d = InboundDelivery.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(d)
        .on_conflict_do_nothing(index_elements=["channel_account_id", "external_id"])
        .returning(d.c.lane)
    )


def waiting_count(inbox: Inbox) -> int:
    """Messages recorded and not yet ingested, over every channel (for health and tests)."""
    from sqlalchemy import func

    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(InboundDelivery)) or 0
