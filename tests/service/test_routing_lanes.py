"""Routing capacity when two drains route new conversations into one team at the same moment.

Lanes let two drains (two threads, maybe two workers) ingest one channel in parallel. Each
reads its team's agents' load and assigns; without a turn per agent both read the load before
the other's assignment and put the agent over capacity. On PostgreSQL a routing batch locks its
candidate agents' rows before it reads their load; on SQLite every write transaction holds the
database's write lock from BEGIN IMMEDIATE, so the second drain cannot even begin before the
first commits. Real threads and connections, both databases.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select, text

from inbox.admin.agents import create_agent, set_presence
from inbox.channels import draining, inbound
from inbox.store.models import Conversation
from tests.service.conftest import PASSWORD, inbound_message


def _two_threads_in_two_lanes() -> tuple[str, str]:
    first = "alice"
    second = next(f"bob{i}" for i in range(100) if inbound.lane_of(f"bob{i}") != inbound.lane_of(first))
    return first, second


def _second_waits_or_ends(inbox: Any, backend: str, done: threading.Event, timeout: float = 10.0) -> bool:
    """Whether the second drain was seen waiting for the first (a PostgreSQL lock wait; on
    SQLite, still not done half a second in: it waits for the write lock), rather than ending."""
    if backend != "postgresql":
        return not done.wait(0.5)
    deadline = time.monotonic() + timeout
    with inbox.engine.connect() as c:
        while time.monotonic() < deadline and not done.is_set():
            if c.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar():
                return True
            c.rollback()
            time.sleep(0.02)
    return False


def test_two_drains_routing_at_once_leave_an_agent_of_capacity_one_at_one(inbox, world, backend):
    agent = create_agent(inbox, "solo@example.com", PASSWORD, "agent", "Solo", ["Support"], None, capacity=1)
    set_presence(inbox, agent, "online")
    channel, _ = world.webhook_channel("Support")
    first, second = _two_threads_in_two_lanes()
    inbound.record(inbox, channel, [inbound_message("m-first", first)])
    inbound.record(inbox, channel, [inbound_message("m-second", second)])

    routed = threading.Event()  # the first drain has routed and is about to commit
    go_on = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def hold(_lane: int) -> None:  # inside the first drain's transaction, after its routing
        routed.set()
        assert go_on.wait(20)

    def drain(thread_key: str, on_release: Any, done: threading.Event | None) -> None:
        try:
            lane = inbound.lane_of(thread_key)
            report = draining.drain_lanes(inbox, channel, (lane,), on_release=on_release)
            assert report.stored == 1
        except BaseException as exc:  # noqa: BLE001 (reported by the test thread)
            errors.append(exc)
            routed.set()
        finally:
            if done is not None:
                done.set()

    one = threading.Thread(target=drain, args=(first, hold, None))
    one.start()
    assert routed.wait(20) and not errors
    two = threading.Thread(target=drain, args=(second, None, second_done))
    two.start()
    try:
        waited = _second_waits_or_ends(inbox, backend, second_done)
    finally:
        go_on.set()
        one.join(20)
        two.join(20)
    assert not errors, errors

    with inbox.read() as s:
        convs = {
            key: (assignee, reason)
            for key, assignee, reason in s.execute(
                select(Conversation.thread_key, Conversation.assignee_id, Conversation.queue_reason)
            )
        }
    assert convs[first] == (agent, "")  # the first came, the agent took it
    assignee, reason = convs[second]
    assert assignee is None and "capacity" in reason  # the second waits in the team's queue
    assert waited, "the second drain routed while the first held its assignment uncommitted"
