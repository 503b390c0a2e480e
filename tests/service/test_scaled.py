"""Scaled mode on the real parts: PostgreSQL, Redis, a Celery worker and two web processes.

An event produced in one process (the worker, or web B) must reach a browser-like Socket.IO
client connected to another process (web A) through the Redis message queue.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import socketio

from connectors.webhook import sign
from inbox.admin.agents import create_agent, create_token
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from tests.conftest import SERVICES
from tests.service.processes import scaled_stack

pytestmark = [pytest.mark.services, pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")]
REDIS = "redis://127.0.0.1:6379/14"  # its own db number: the in-process suite uses 15


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scaled")
    with scaled_stack(tmp, "murmur_scaled", REDIS, webs=2) as procs:
        inbox = Inbox.from_url(procs.database_url, procs.secret_key)
        try:
            create_agent(inbox, "sup@example.com", "long enough password", "supervisor", teams=["Support"])
            token = create_token(inbox, "sup@example.com")
            demo, _ = create_channel(inbox, None, "demo", "demo", {"batch_size": 2, "max_pages": 1}, {})
            hook, generated = create_channel(inbox, None, "webhook", "hook", {}, {})
        finally:
            inbox.engine.dispose()
        a, b = procs.ports
        yield {
            "a": a,
            "b": b,
            "token": token,
            "celery": procs.celery,
            "demo": demo["id"],
            "hook": hook["id"],
            "secret": generated["webhook_secret"],
            "procs": procs,
        }


def _client(stack: dict, port: int, name: str) -> tuple[socketio.Client, list, threading.Event]:
    got: list = []
    event = threading.Event()
    sio = socketio.Client()

    @sio.on(name)
    def _(data):  # type: ignore[no-untyped-def]
        got.append(data)
        event.set()

    try:
        sio.connect(
            f"http://127.0.0.1:{port}",
            auth={"token": stack["token"]},
            transports=["websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError as exc:
        raise AssertionError(f"Socket.IO connect to {port} failed: {exc!r}\n{stack['procs'].logs()}") from exc
    return sio, got, event


def test_message_ingested_by_the_worker_reaches_a_client_on_a_web_process(stack):
    sio, got, event = _client(stack, stack["a"], "message.created")
    try:
        stack["celery"].send_task("murmur.poll_channel", args=[stack["demo"], True])
        assert event.wait(20), (
            "no message.created from the worker at web process A:\n" + stack["procs"].logs()
        )
        assert got[0]["message"]["direction"] == "in" and got[0]["message"]["text"]
        # the worker, not a web process, ran ingest
        assert "murmur.poll_channel" in stack["procs"].procs[0].output()
    finally:
        sio.disconnect()


def test_webhook_on_web_b_reaches_a_client_on_web_a(stack):
    sio, got, event = _client(stack, stack["a"], "message.created")
    try:
        body = json.dumps(
            {"id": "scaled-1", "text": "Hello from process B", "author": {"id": "9", "handle": "nine"}}
        )
        res = httpx.post(
            f"http://127.0.0.1:{stack['b']}/api/channels/{stack['hook']}/webhook",
            content=body,
            headers=sign(stack["secret"], body.encode(), int(time.time())),
        )
        assert res.status_code == 200 and res.json()["stored"] == 1
        assert event.wait(10), (
            "no message.created from web process B at web process A:\n" + stack["procs"].logs()
        )
        assert any(e["message"]["text"] == "Hello from process B" for e in got)
    finally:
        sio.disconnect()
