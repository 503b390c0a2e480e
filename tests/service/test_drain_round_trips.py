"""A lone message's drain waits for PostgreSQL once before it ingests, not three times.

psycopg sends a transaction's BEGIN on its own before the first statement; the drain's claim and
its read of the lane's oldest rows then followed one after the other, each waiting for its
answer (issue 22: on a busy machine each wait is a wait for a core). They now go in one pipeline:
BEGIN, claim, read and one Sync written together, one answer. libpq's protocol trace shows it:
the claim and the read are both sent before PostgreSQL's first ReadyForQuery.
"""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from sqlalchemy import event

from inbox.channels import draining, inbound
from tests.conftest import BACKENDS
from tests.service.conftest import inbound_message


def _traced_drain(inbox: Any, channel: int, lane: int) -> tuple[draining.Drained, list[str]]:
    """Drain `lane`; the protocol messages of the drain's connection (libpq's trace)."""
    with tempfile.TemporaryFile("w+") as trace:

        def checkout(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.pgconn.trace(trace.fileno())

        def checkin(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.pgconn.untrace()

        event.listen(inbox.engine, "checkout", checkout)
        event.listen(inbox.engine, "checkin", checkin)
        try:
            report = draining.drain_lane(inbox, channel, lane)
        finally:
            event.remove(inbox.engine, "checkout", checkout)
            event.remove(inbox.engine, "checkin", checkin)
        trace.seek(0)
        return report, trace.read().splitlines()


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])  # SQLite has no round trips
def test_the_claim_and_the_read_go_with_begin_in_one_round_trip(inbox, world, backend):
    channel, _ = world.webhook_channel()
    for ext, author in (("one", "alice"), ("two", "alice")):  # a new conversation, then a known one
        m = inbound_message(ext, author, "Where is my order?")
        inbound.record(inbox, channel, [m])
        report, lines = _traced_drain(inbox, channel, inbound.lane_of(m.thread_key))
        assert (report.claimed, report.stored) == (True, 1)
        first_answer = next(i for i, line in enumerate(lines) if "ReadyForQuery" in line)
        before = "\n".join(lines[:first_answer])
        assert "BEGIN" in before, "\n".join(lines)
        assert "INSERT INTO inbound_lanes" in before, "\n".join(lines)  # the claim
        assert "FROM inbound_deliveries" in before, before  # the read of the oldest rows
        assert inbound.waiting_count(inbox) == 0


def test_a_lane_another_holder_has_is_left_and_its_rows_wait(inbox, world, backend):
    """The pipelined claim that takes nothing: the drain returns unclaimed and commits nothing,
    whatever its read saw (on both databases: SQLite claims as before)."""
    channel, _ = world.webhook_channel()
    m = inbound_message("held", "bob", "Where is my order?")
    lane = inbound.lane_of(m.thread_key)
    inbound.record(inbox, channel, [m])
    assert draining._claim(inbox, channel, lane, "someone-else:1:abc")
    report = draining.drain_lane(inbox, channel, lane)
    assert (report.claimed, report.stored) == (False, 0)
    assert inbound.waiting_count(inbox) == 1


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_a_lone_drain_waits_for_postgresql_nine_times_new_and_seven_known(inbox, world, backend, clock):
    """Round trips of a lone message's drain, counted as PostgreSQL's ReadyForQuery answers
    (COMMIT included): ingest's last writes, which return nothing (the conversation's row, the
    customer's last seen, the agent's last assignment), go in one pipeline with the closing
    delete-look-release; a routing batch's agent lock with its load read; a new author's
    customer and identity in one statement. 11 and 9 before (drainlean). The deferred writes
    must land: the conversation, customer and agent rows are checked after each drain."""
    from sqlalchemy import select, update

    from inbox.store import settings_cache
    from inbox.store.models import Agent, Conversation, Customer

    settings_cache.forget()  # tokens for every concern, as migration 0011 leaves them
    with inbox.engine.begin() as conn:
        settings_cache.seed(conn)
    agent = world.agent(online=True)
    channel, _ = world.webhook_channel()
    warm = inbound_message("warm", "warm")  # loads the settings the next drains keep
    inbound.record(inbox, channel, [warm])
    draining.drain_lane(inbox, channel, inbound.lane_of(warm.thread_key))
    with inbox.unit_of_work() as uow:  # the warm-up's conversation is not the agent's load
        uow.session.execute(update(Conversation).values(status="resolved"))
    trips = []
    for ext in ("one", "two"):  # a new author and conversation, then the same conversation
        now = clock.advance(seconds=60)
        m = inbound_message(ext, "carol", "Where is my order?")
        inbound.record(inbox, channel, [m])
        report, lines = _traced_drain(inbox, channel, inbound.lane_of(m.thread_key))
        assert (report.claimed, report.stored) == (True, 1)
        trips.append(sum("ReadyForQuery" in line for line in lines))
        with inbox.read() as s:
            conv = s.scalars(select(Conversation).where(Conversation.thread_key == "carol")).one()
            assert conv.message_count == (1 if ext == "one" else 2)
            assert conv.assignee_id == agent["id"]
            assert s.get(Customer, conv.customer_id).last_seen_at == now
            assert s.get(Agent, agent["id"]).last_assigned_at is not None
    assert trips == [9, 7]
