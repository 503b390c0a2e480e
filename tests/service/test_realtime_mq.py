"""The web process's Socket.IO queue listener (`web.realtime_mq`) on a real Redis: it hands on every
event for a room one of its sockets is in, every broadcast and every non-emit message, and drops
emits for rooms it has no socket in before decoding them further."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import redis
import socketio

from tests.conftest import REDIS_URL, SERVICES
from web.realtime_mq import LocalRoomsRedisManager

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1"),
]


def _emit(room, event="message.created", host="another process"):  # type: ignore[no-untyped-def]
    return {
        "method": "emit",
        "event": event,
        "data": [{"room": room}],
        "namespace": "/",
        "room": room,
        "skip_sid": None,
        "callback": None,
        "host_id": host,
    }


def test_only_events_for_local_rooms_broadcasts_and_other_methods_are_handed_on():
    channel = f"test-mq-{uuid.uuid4().hex}"
    manager = LocalRoomsRedisManager(REDIS_URL, channel=channel, write_only=True)  # no thread of its own
    server = socketio.Server(client_manager=manager, async_mode="threading")
    sid = manager.connect("eio-1", "/")  # one local socket, in two rooms
    manager.enter_room(sid, "/", "agent:1")
    manager.enter_room(sid, "/", "team:1")
    assert server.manager is manager

    got: list[dict] = []
    done = threading.Event()

    def listen() -> None:
        for data in manager._listen():
            got.append(data)
            if data.get("event") == "end":
                done.set()
                return

    threading.Thread(target=listen, daemon=True).start()
    publisher = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 10
    while publisher.pubsub_numsub(channel)[0][1] == 0:
        assert time.monotonic() < deadline, "the listener never subscribed"
        time.sleep(0.02)
    sent = [
        _emit("agent:2"),  # nobody here: dropped
        _emit(["agent:2", "team:1"]),  # one local room of two: handed on
        _emit(["conversation:9", "dashboard"]),  # dropped
        _emit(None, event="broadcast"),  # the whole namespace: handed on
        {"method": "enter_room", "sid": "x", "namespace": "/", "room": "r", "host_id": "another process"},
        _emit("agent:1", event="end"),
    ]
    for message in sent[:-1]:
        publisher.publish(channel, json.dumps(message))
    publisher.publish(channel, b"not json at all")  # dropped, as python-socketio's own listener does
    publisher.publish(channel, json.dumps(sent[-1]))
    assert done.wait(10)
    assert [(m["method"], m.get("room")) for m in got] == [
        ("emit", ["agent:2", "team:1"]),
        ("emit", None),
        ("enter_room", "r"),
        ("emit", "agent:1"),
    ]
    assert got[0] == sent[1]  # decoded whole
    manager.pubsub.close()
