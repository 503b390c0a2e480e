"""Recorded webhook deliveries and their lanes (the scaled mode's ingest), on both databases.

The worker processes themselves are exercised by test_scaled; here the same functions run
in-process, so leases, take-overs and crashes mid-batch can be staged exactly with the clock.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from connectors.types import Author, InboundMessage
from inbox.channels import draining, inbound
from inbox.ingest import ingest, ingest_in
from inbox.store.models import Conversation, InboundDelivery, Message
from inbox.store.sql import Record
from tests.conftest import BACKENDS
from tests.service.conftest import message
from web import jobs

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def msg(
    ext: str, thread: str, author: str = "a1", at: int = 0, text: str = "Where is my parcel?"
) -> InboundMessage:
    return InboundMessage(
        channel="webhook",
        external_id=ext,
        thread_key=thread,
        author=Author(author, f"h_{author}"),
        text=text,
        created_at=T0 + timedelta(seconds=at),
    )


def stored(inbox: Any) -> dict[str, list[str]]:
    """Each conversation's message external ids in id (storage) order."""
    with inbox.read() as s:
        rows = s.execute(
            select(Conversation.thread_key, Message.external_id)
            .join(Message, Message.conversation_id == Conversation.id)
            .order_by(Message.id)
        )
        out: dict[str, list[str]] = {}
        for key, ext in rows:
            out.setdefault(key, []).append(ext)
        return out


def waiting(inbox: Any) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(InboundDelivery))


def test_recorded_messages_are_ingested_once_each_in_order_per_conversation(inbox, world):
    channel, _ = world.webhook_channel()
    threads = [f"t{i}" for i in range(6)]
    sent = {t: [f"{t}-m{j}" for j in range(5)] for t in threads}
    # interleaved across conversations, in time order within each
    batch = [msg(f"{t}-m{j}", t, author=t, at=j) for j in range(5) for t in threads]
    first = inbound.record(inbox, channel, batch[:17])
    again = inbound.record(inbox, channel, batch[10:])  # 7 repeats of waiting messages
    assert (first.queued, again.queued, again.waiting) == (17, 13, 7)
    assert waiting(inbox) == 30 and stored(inbox) == {}  # recorded, not yet ingested

    assert jobs.drain_inbound(inbox) == 30  # the sweep: every lane with work and no holder
    assert stored(inbox) == sent and waiting(inbox) == 0
    assert len({inbound.lane_of(t) for t in threads}) > 1  # the test spans several lanes

    # a sender's retry of a message already ingested is recorded again and stores nothing
    inbound.record(inbox, channel, [batch[0]])
    (ch, lane) = draining.due_lanes(inbox)[0]
    report = draining.drain_lane(inbox, ch, lane)
    assert (report.stored, report.duplicates) == (0, 1)
    assert stored(inbox) == sent and waiting(inbox) == 0


def test_a_held_lane_is_not_drained_by_another_until_its_lease_runs_out(inbox, world, clock):
    channel, _ = world.webhook_channel()
    m = msg("held-1", "held")
    lane = inbound.lane_of("held")
    inbound.record(inbox, channel, [m])
    assert draining._claim(inbox, channel, lane, "worker-a")

    report = draining.drain_lane(inbox, channel, lane)
    assert not report.claimed and report.stored == 0 and waiting(inbox) == 1
    assert draining.due_lanes(inbox) == []  # a live holder: the sweep leaves it alone

    clock.advance(seconds=draining.LEASE.total_seconds() + 1)  # worker-a went silent
    assert draining.due_lanes(inbox) == [(channel, lane)]
    assert draining.drain_lane(inbox, channel, lane).stored == 1
    # worker-a wakes up: its next batch cannot renew the lease and commits nothing
    inbound.record(inbox, channel, [msg("held-2", "held", at=1)])
    with pytest.raises(draining.LeaseLost):
        draining._batch(inbox, channel, (lane,), "worker-a", 10)
    assert waiting(inbox) == 1 and stored(inbox) == {"held": ["held-1"]}
    assert draining.drain_lane(inbox, channel, lane).stored == 1
    assert stored(inbox) == {"held": ["held-1", "held-2"]}


def test_several_woken_lanes_drain_in_one_transaction_leaving_a_held_one_alone(inbox, world, clock):
    """A drain thread that fell behind takes several woken lanes at once: the lanes it can claim
    are ingested together, each conversation still in order; a lane another worker holds is left
    to that worker; every lane drained is released, with its flag cleared."""
    channel, _ = world.webhook_channel()
    by_lane: dict[int, str] = {}
    for i in range(200):  # conversations in three different lanes
        by_lane.setdefault(inbound.lane_of(f"w{i}"), f"w{i}")
        if len(by_lane) == 3:
            break
    (a, ta), (b, tb), (held, th) = sorted(by_lane.items())
    inbound.record(
        inbox, channel, [msg(f"{t}-{j}", t, author=t, at=j) for j in range(3) for t in (ta, tb, th)]
    )
    assert draining._claim(inbox, channel, held, "other-worker")
    cleared: list[int] = []

    report = draining.drain_lanes(inbox, channel, [held, b, a], batch=50, on_release=cleared.append)
    assert (report.claimed, report.stored, report.batches) == (True, 6, 1)
    assert sorted(cleared) == [a, b]
    assert stored(inbox) == {ta: [f"{ta}-{j}" for j in range(3)], tb: [f"{tb}-{j}" for j in range(3)]}
    assert waiting(inbox) == 3  # the held lane's messages wait for their holder
    clock.advance(seconds=draining.LEASE.total_seconds() + 1)
    assert draining.due_lanes(inbox) == [(channel, held)]  # the others were released


def test_a_batch_that_dies_mid_ingest_leaves_its_messages_for_the_next_holder(
    inbox, world, clock, monkeypatch
):
    channel, _ = world.webhook_channel()
    inbound.record(inbox, channel, [msg(f"c-{i}", "crash", at=i) for i in range(3)])
    lane = inbound.lane_of("crash")

    def dies(*args: Any) -> None:
        # the worker is killed after the messages were inserted, before the commit
        ingest_in(*args)
        raise SystemExit("killed")

    monkeypatch.setattr(draining, "ingest_in", dies)
    with pytest.raises(SystemExit):
        draining.drain_lane(inbox, channel, lane)
    monkeypatch.undo()
    assert stored(inbox) == {} and waiting(inbox) == 3  # rolled back whole: nothing half-done

    clock.advance(seconds=draining.LEASE.total_seconds() + 1)
    assert jobs.drain_inbound(inbox) == 3
    assert stored(inbox) == {"crash": ["c-0", "c-1", "c-2"]} and waiting(inbox) == 0


def test_scaled_webhook_answers_202_once_recorded_and_workers_ingest_later(app, inbox, world, post_webhook):
    channel, secret = world.webhook_channel()
    queued: list[tuple[int, tuple[int, ...]]] = []
    app.extensions["murmur.lanes"] = lambda ch, lanes: queued.append((ch, lanes))

    res = post_webhook(channel, secret, message("s-1", author="7"))
    assert res.status_code == 202 and res.get_json() == {"queued": 1, "duplicates": 0, "rejected": []}
    assert queued == [(channel, (inbound.lane_of("s-1"),))]
    assert stored(inbox) == {} and waiting(inbox) == 1  # answered before any ingest

    res = post_webhook(channel, secret, message("s-1", author="7"))  # the sender retries
    assert res.status_code == 202 and res.get_json() == {"queued": 0, "duplicates": 1, "rejected": []}
    # its lane is woken again: the first attempt's web process may have died before waking it
    assert queued == [(channel, (inbound.lane_of("s-1"),))] * 2
    bad = post_webhook(channel, "wrong secret", message("s-2", author="7"))
    assert bad.status_code == 401 and waiting(inbox) == 1  # signature first: nothing recorded

    assert jobs.drain_inbound(inbox) == 1
    assert stored(inbox) == {"s-1": ["s-1"]} and waiting(inbox) == 0


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_concurrent_batches_serialize_on_the_conversation_row_not_the_channel(inbox, world):
    """Without the channel lock, a second batch for the same conversation waits for the first's
    row lock and then counts on its committed values (no lost update); a batch for another
    conversation of the channel does not wait at all."""
    channel, _ = world.webhook_channel()
    ingest(inbox, channel, [msg("r-0", "row")])
    done: dict[str, Any] = {}

    def later(name: str, m: InboundMessage) -> None:
        done[name] = ingest(inbox, channel, [m])

    with inbox.unit_of_work() as uow:
        account = Record({"id": channel, "team_id": world.team_id()})
        ingest_in(uow, inbox, account, [msg("r-1", "row", at=1)])  # holds the row lock
        other = threading.Thread(target=later, args=("other", msg("o-1", "other-thread", author="b")))
        other.start()
        other.join(10)
        assert "other" in done  # another conversation of the same channel went through meanwhile
        same = threading.Thread(target=later, args=("same", msg("r-2", "row", at=2)))
        same.start()
        _wait_for_a_lock_wait(inbox)
        assert "same" not in done
    same.join(10)
    assert done["same"].stored == 1
    with inbox.read() as s:
        assert s.scalar(select(Conversation.message_count).where(Conversation.thread_key == "row")) == 3
    assert stored(inbox)["row"] == ["r-0", "r-1", "r-2"]


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_two_writers_creating_one_conversation_end_with_one(inbox, world, caplog):
    """The second creator of a conversation waits on its unique key, fails when the first
    commits, and its transaction runs again and joins the first's conversation."""
    channel, _ = world.webhook_channel()
    ingest(inbox, channel, [msg("known", "elsewhere", author="x")])  # x's identity exists
    done: dict[str, Any] = {}
    caplog.set_level("INFO", logger="murmur.retry")
    with inbox.unit_of_work() as uow:
        account = Record({"id": channel, "team_id": world.team_id()})
        ingest_in(uow, inbox, account, [msg("n-1", "new", author="x")])
        second = threading.Thread(
            target=lambda: done.setdefault("r", ingest(inbox, channel, [msg("n-2", "new", author="x", at=1)]))
        )
        second.start()
        _wait_for_a_lock_wait(inbox)
    second.join(10)
    assert done["r"].stored == 1
    assert any("23505" in r.getMessage() for r in caplog.records)  # it did collide, and ran again
    with inbox.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(Conversation).where(Conversation.thread_key == "new"))
            == 1
        )
        assert s.scalar(select(Conversation.message_count).where(Conversation.thread_key == "new")) == 2
    assert stored(inbox)["new"] == ["n-1", "n-2"]


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_a_message_recorded_as_the_holder_finds_its_lane_empty_is_drained_by_it(inbox, world):
    """The holder clears the web side's flag inside its last batch and then looks once more:
    a message recorded (committed) between the two is seen by that look, not stranded behind a
    flag that said a task was queued. One message alone takes one transaction."""
    channel, _ = world.webhook_channel()
    lane = inbound.lane_of("late")
    inbound.record(inbox, channel, [msg("late-1", "late")])
    cleared: list[int] = []

    def flag_cleared() -> None:
        cleared.append(1)
        if len(cleared) == 1:  # a sender's delivery lands right now, from another connection
            assert inbound.record(inbox, channel, [msg("late-2", "late", at=1)]).queued == 1

    report = draining.drain_lane(inbox, channel, lane, on_release=flag_cleared)
    assert (report.claimed, report.stored, report.batches, len(cleared)) == (True, 2, 2, 2)
    assert stored(inbox) == {"late": ["late-1", "late-2"]} and waiting(inbox) == 0
    assert draining.due_lanes(inbox) == []  # released: the next delivery's task can claim it
    assert draining._claim(inbox, channel, lane, "next-worker")


def _wait_for_a_lock_wait(inbox: Any, timeout: float = 10.0) -> None:
    """Until some backend of this database waits for a lock another transaction holds."""
    deadline = time.monotonic() + timeout
    with inbox.engine.connect() as c:
        while time.monotonic() < deadline:
            waiting_now = c.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting_now:
                return
            c.rollback()
            time.sleep(0.02)
    raise AssertionError("no transaction ever waited for the lock")
