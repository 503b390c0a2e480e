"""A batch's multi-row INSERT (`inbox.store.sql.insert_with_ids`, `insert_rows`) has one SQL text
whatever the number of rows (PostgreSQL: one array per column, `inbox.store.pg_arrays`), so the
driver parses it once, not once per batch; and it stores exactly what Core's INSERT stores, with
each row's id given back in row order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from connectors.types import Author, InboundMessage
from inbox.ingest import ingest
from inbox.store.models import Conversation, ConversationLabel
from inbox.store.sql import insert_rows, insert_with_ids
from tests.conftest import BACKENDS

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CONV = Conversation.__table__


def _channel_and_customer(inbox: Any, world: Any) -> tuple[int, int]:
    channel_id, _ = world.webhook_channel()
    m = InboundMessage("webhook", "seed", "seed", Author("a", "a"), "hello", T0)
    ingest(inbox, channel_id, [m])
    with inbox.read() as s:
        return channel_id, s.scalar(select(Conversation.customer_id))


def _rows(channel_id: int, customer_id: int, prefix: str, n: int) -> list[dict[str, Any]]:
    """Conversation rows of every kind of value: NULLs, JSON lists, times,
    floats and ints, booleans, unicode; status and priority left to their defaults."""
    return [
        {
            "customer_id": customer_id,
            "channel_account_id": channel_id,
            "channel": "webhook",
            "thread_key": f"{prefix}{i}",
            "subject": f"ลูกค้า 客户 {i} 'quoted' \"double\" {{brace}}",
            "public": i % 2 == 0,
            "language": None if i % 3 == 0 else "en",
            "rank_key": float(i) / 7,
            "rank_curve": i,  # an int into a float column
            "priority_components": []
            if i % 2
            else [{"name": "sentiment", "value": -0.5 * i, "detail": "x,y"}],
            "assignee_id": None,
            "team_id": None,
            "message_count": i,
            "waiting_since": None if i % 2 else T0 + timedelta(minutes=i),
            "last_message_at": T0 + timedelta(hours=i),
            "created_at": T0,
            "updated_at": T0 + timedelta(seconds=i),
        }
        for i in range(n)
    ]


def _stored(inbox: Any, prefix: str) -> list[dict[str, Any]]:
    with inbox.read() as s:
        rows = s.execute(select(CONV).where(CONV.c.thread_key.like(f"{prefix}%")).order_by(CONV.c.thread_key))
        return [{k: v for k, v in r._mapping.items() if k not in ("id", "thread_key")} for r in rows]


def test_batch_insert_stores_what_core_stores(inbox, world):
    channel_id, customer_id = _channel_and_customer(inbox, world)
    ours, core = _rows(channel_id, customer_id, "a", 7), _rows(channel_id, customer_id, "b", 7)
    with inbox.unit_of_work() as uow:
        ids = insert_with_ids(uow.session, CONV, ours)
        uow.session.execute(insert(CONV), core)
        insert_rows(
            uow.session, ConversationLabel.__table__, [{"conversation_id": i, "label": "L"} for i in ids]
        )
    assert [r["id"] for r in ours] == ids and len(set(ids)) == 7
    with inbox.read() as s:
        by_id = dict(s.execute(select(CONV.c.id, CONV.c.thread_key).where(CONV.c.id.in_(ids))).all())
        labelled = set(
            s.scalars(select(ConversationLabel.conversation_id).where(ConversationLabel.label == "L"))
        )
    assert [by_id[i] for i in ids] == [f"a{i}" for i in range(7)]  # each id is its own row's
    assert labelled == set(ids)
    assert _stored(inbox, "a") == _stored(inbox, "b")


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_batch_insert_has_one_statement_text_for_any_size(inbox, world, backend):
    """PostgreSQL only: SQLite's batch is the driver's executemany of a one-row statement already."""
    channel_id, customer_id = _channel_and_customer(inbox, world)
    texts: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO CONVERSATIONS"):
            texts.append(statement)

    event.listen(inbox.engine, "before_cursor_execute", capture)
    try:
        for prefix, n in (("s", 2), ("m", 5), ("l", 40)):
            with inbox.unit_of_work() as uow:
                insert_with_ids(uow.session, CONV, _rows(channel_id, customer_id, prefix, n))
    finally:
        event.remove(inbox.engine, "before_cursor_execute", capture)
    assert len(texts) == 3 and len(set(texts)) == 1, texts
    # small enough for psycopg to keep its parse (under 4,096 bytes and 50 parameters)
    assert len(texts[0]) < 4096 and texts[0].count("%s") + texts[0].count("?") < 50
    assert len(_stored(inbox, "l")) == 40
