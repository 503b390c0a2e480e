"""How many statements `ingest` sends for a one-message batch into a known conversation.

On PostgreSQL each statement is a round trip, and psycopg's wait around them was ~27 % of the
CPU of a one-message batch (issue 22): the batch reads its conversations' labels in the same
statement as the conversations (was a statement of its own). The count is pinned so a new read
on the hot path is a decision, not an accident; the labels read that way must still be the ones
rules see and keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from connectors.types import InboundMessage
from inbox.channels.demo import seed_defaults
from inbox.ingest import ingest
from inbox.store import settings_cache
from inbox.store.models import Conversation, ConversationLabel
from tests.service.conftest import inbound_message

# ingest's statements for one message from a known author into her open, assigned conversation:
# (BEGIN IMMEDIATE on SQLite), account, stored ids, identities, conversations with their labels,
# customer facts, (SQLite: the next message id), customer seen; the message insert and the
# conversation update go through the driver's own executemany, unseen by this hook.
# On PostgreSQL the stored ids come as a column of the account's read. Was 9 on both databases:
# the labels' own SELECT (both), the stored ids' own SELECT (PostgreSQL).
EXPECTED = {"postgresql": 7, "sqlite": 8}


@pytest.fixture(autouse=True)
def seeded(inbox):
    """Tokens for every concern, as migration 0011 leaves them (the test's emptied tables have none)."""
    settings_cache.forget()
    with inbox.engine.begin() as conn:
        settings_cache.seed(conn)


def _ingest(inbox: Any, channel: int, m: InboundMessage) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(inbox.engine, "before_cursor_execute", count)
    try:
        result = ingest(inbox, channel, [m])
    finally:
        event.remove(inbox.engine, "before_cursor_execute", count)
    assert result.stored == 1
    return seen


def _labels(inbox: Any, conv_id: int) -> set[str]:
    label = ConversationLabel.__table__
    with inbox.engine.connect() as conn:
        return set(conn.scalars(select(label.c.label).where(label.c.conversation_id == conv_id)))


def test_one_message_into_a_known_conversation_sends_a_pinned_number_of_statements(inbox, world, backend):
    world.agent(online=True)
    world.agent(online=True)
    seed_defaults(inbox)
    channel, _ = world.webhook_channel()
    _ingest(inbox, channel, inbound_message("warm", "warm"))  # loads the settings the next batches keep
    _ingest(inbox, channel, inbound_message("first", "alice"))  # her customer, identity and conversation
    again = _ingest(inbox, channel, inbound_message("again", "alice"))
    assert len(again) == EXPECTED[backend], "\n".join(s.split("\n")[0][:100] for s in again)
    assert not any("FROM conversation_labels" in s and "conversations" not in s for s in again)
    if backend == "postgresql":
        assert not any(s.startswith("SELECT messages.external_id") for s in again)


def test_labels_read_with_the_conversation_are_the_ones_rules_see_and_keep(inbox, world):
    """A label already on the conversation is known to the batch: a rule adding it again stores
    nothing twice (a second INSERT would break the labels' primary key), the others stay."""
    world.agent(online=True)
    seed_defaults(inbox)
    channel, _ = world.webhook_channel()
    conv_id = ingest(inbox, channel, [inbound_message("one", "bob")]).conversation_ids[0]
    with inbox.engine.begin() as conn:
        label = ConversationLabel.__table__
        conn.execute(label.insert(), [{"conversation_id": conv_id, "label": x} for x in ("vip-manual", "x")])
    before = _labels(inbox, conv_id)
    # an angry message: the default rules label it (again, if the first message had it already)
    result = ingest(
        inbox, channel, [inbound_message("two", "bob", "This is terrible, I am furious, refund me now!")]
    )
    assert result.conversation_ids == (conv_id,)
    after = _labels(inbox, conv_id)
    assert before <= after
    with inbox.engine.connect() as conn:
        assert conn.scalar(select(Conversation.id).where(Conversation.id == conv_id)) == conv_id


def test_the_conversations_read_with_their_labels_stays_on_indexes(inbox, world, backend):
    """The labels' subquery is one look-up per conversation on the labels' primary key, and the
    conversations are found by (channel account, thread key): no table is scanned."""
    world.agent(online=True)
    channel, _ = world.webhook_channel()
    ingest(inbox, channel, [inbound_message("one", "carol")])
    statements: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if "conversation_labels" in statement and "FROM conversations" in statement:
            statements.append((statement, parameters))

    event.listen(inbox.engine, "before_cursor_execute", keep)
    try:
        ingest(inbox, channel, [inbound_message("two", "carol")])
    finally:
        event.remove(inbox.engine, "before_cursor_execute", keep)
    assert len(statements) == 1
    statement, parameters = statements[0]
    with inbox.engine.begin() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: show the indexes
            plan = " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "Seq Scan" not in plan, plan
            assert "pk_conversation_labels" in plan, plan
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " | ".join(r[-1] for r in rows)
            assert "SCAN conversations" not in plan and "SCAN conversation_labels" not in plan, plan
            assert "SEARCH conversation_labels" in plan, plan


# SQLite asks for the stored ids in a statement of its own (no round trip to save there).
@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_account_read_with_the_stored_ids_stays_on_indexes(inbox, world, backend):
    """PostgreSQL: the stored ids ride on the account's read, found by the messages' unique key;
    a message stored before is still dropped as a duplicate."""
    world.agent(online=True)
    channel, _ = world.webhook_channel()
    ingest(inbox, channel, [inbound_message("one", "dave")])
    statements: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if "FROM channel_accounts" in statement and "messages.external_id" in statement:
            statements.append((statement, parameters))

    event.listen(inbox.engine, "before_cursor_execute", keep)
    try:
        assert (
            ingest(
                inbox, channel, [inbound_message("one", "dave"), inbound_message("two", "dave")]
            ).duplicates
            == 1
        )
    finally:
        event.remove(inbox.engine, "before_cursor_execute", keep)
    assert len(statements) == 1
    statement, parameters = statements[0]
    with inbox.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: show the indexes
        plan = " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Seq Scan" not in plan, plan
    assert "uq_messages_channel_external" in plan, plan
