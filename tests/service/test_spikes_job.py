"""Spike alerts: a negative burst raises one `alert.spike` at a dashboard socket, quiet data none."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from inbox.insights.spikes_service import check_spikes
from inbox.store.models import SpikeAlert, SpikeBucket
from tests.service.conftest import message, sio_client, wait_for

ANGRY = "This is terrible, awful service. I hate it!"
START = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def _burst(post_webhook, channel_id, secret, n, prefix="b"):
    for i in range(n):
        assert (
            post_webhook(
                channel_id, secret, message(f"{prefix}{i}", ANGRY, author=f"{prefix}a{i}")
            ).status_code
            < 300
        )


def _alerts(inbox):
    with inbox.read() as s:
        return list(s.scalars(select(SpikeAlert)))


def test_burst_raises_one_alert_at_the_dashboard_with_its_messages(
    app, inbox, world, post_webhook, clock, client
):
    clock.now_value = START
    sup = world.agent("supervisor", teams=())
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    assert check_spikes(inbox) == []  # warms up on the quiet history before now
    dash, plain = sio_client(app, sup["token"]), sio_client(app, agent["token"])
    clock.advance(seconds=30)
    _burst(post_webhook, channel_id, secret, 10)
    clock.advance(minutes=5)
    created = check_spikes(inbox)
    assert len(created) == 1
    got = wait_for(dash, "alert.spike")
    assert got["channel"] == "webhook" and got["count"] == 10
    assert len(got["messages"]) == 10 and all(m["text"] == ANGRY for m in got["messages"])
    assert not [p for p in plain.get_received() if p["name"] == "alert.spike"]
    # The drill-down of the alert lists exactly those messages.
    listed = client.get(f"/api/dashboard/messages?alert={got['id']}", headers=sup["auth"]).get_json()[
        "messages"
    ]
    assert sorted(m["id"] for m in listed) == sorted(got["message_ids"])
    # The storm continues in the next bucket: same episode, no second alert.
    _burst(post_webhook, channel_id, secret, 12, prefix="c")
    clock.advance(minutes=5)
    assert check_spikes(inbox) == []
    assert check_spikes(inbox) == []  # re-running a finished bucket is a no-op
    assert not [p for p in dash.get_received() if p["name"] == "alert.spike"]
    assert len(_alerts(inbox)) == 1


def test_quiet_data_raises_nothing(inbox, world, post_webhook, clock):
    clock.now_value = START
    channel_id, secret = world.webhook_channel()
    check_spikes(inbox)
    for step in range(12):
        _burst(post_webhook, channel_id, secret, 1 + step % 2, prefix=f"q{step}_")
        clock.advance(minutes=5)
        assert check_spikes(inbox) == []
    assert _alerts(inbox) == []


def test_two_concurrent_runs_alert_exactly_once(app, inbox, world, post_webhook, clock):
    clock.now_value = START
    sup = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel()
    check_spikes(inbox)
    dash = sio_client(app, sup["token"])
    clock.advance(seconds=30)
    _burst(post_webhook, channel_id, secret, 10)
    clock.advance(minutes=5)
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(check_spikes(inbox))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(len(r) for r in results) == [0, 1]
    wait_for(dash, "alert.spike")
    assert not [p for p in dash.get_received() if p["name"] == "alert.spike"]
    assert len(_alerts(inbox)) == 1
    with inbox.read() as s:
        buckets = s.scalar(select(func.count()).select_from(SpikeBucket))
        distinct = s.scalar(select(func.count(func.distinct(SpikeBucket.bucket_start))))
    assert buckets == distinct
