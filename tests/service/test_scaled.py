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
from sqlalchemy import create_engine, text

from connectors.webhook import sign
from inbox.agents import create_agent, create_token
from inbox.channels import create_channel
from inbox.context import Inbox
from inbox.schema import upgrade
from tests.conftest import SERVICES
from tests.processes import Proc, free_port, serve
from web.celery_app import make_celery
from web.config import Config

pytestmark = [pytest.mark.services, pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")]
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/murmur_scaled"
REDIS = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS murmur_scaled WITH (FORCE)"))
        c.execute(text("CREATE DATABASE murmur_scaled"))
    admin.dispose()
    upgrade(DB_URL)
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    tmp = tmp_path_factory.mktemp("scaled")
    env = {"MURMUR_DATABASE_URL": DB_URL, "MURMUR_REDIS_URL": REDIS, "MURMUR_SECRET_KEY": "scaled-secret",
           "MURMUR_SCHEDULER": "0", "MURMUR_INSTANCE_PATH": str(tmp)}
    inbox = Inbox.from_url(DB_URL, "scaled-secret")
    create_agent(inbox, "sup@example.com", "long enough password", "supervisor", teams=["Support"])
    token = create_token(inbox, "sup@example.com")
    demo, _ = create_channel(inbox, None, "demo", "demo", {"batch_size": 2, "max_pages": 1}, {})
    hook, generated = create_channel(inbox, None, "webhook", "hook", {}, {})
    procs: list[Proc] = []
    try:
        procs.append(Proc(["worker", "--concurrency", "1"], env, tmp / "worker.log"))
        port_a, port_b = free_port(), free_port()
        procs.append(serve(env, port_a, tmp / "web-a.log"))
        procs.append(serve(env, port_b, tmp / "web-b.log"))
        celery = make_celery(Config(database_url=DB_URL, redis_url=REDIS, secret_key="scaled-secret"))
        deadline = time.monotonic() + 30
        while not celery.control.ping(timeout=0.5):
            assert time.monotonic() < deadline, procs[0].output()
        yield {"a": port_a, "b": port_b, "token": token, "celery": celery, "demo": demo["id"],
               "hook": hook["id"], "secret": generated["webhook_secret"], "procs": procs}
    finally:
        for p in procs:
            p.stop()
        inbox.engine.dispose()


def _client(port: int, token: str, name: str) -> tuple[socketio.Client, list, threading.Event]:
    got: list = []
    event = threading.Event()
    sio = socketio.Client()

    @sio.on(name)
    def _(data):  # type: ignore[no-untyped-def]
        got.append(data)
        event.set()

    sio.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return sio, got, event


def test_message_ingested_by_the_worker_reaches_a_client_on_a_web_process(stack):
    sio, got, event = _client(stack["a"], stack["token"], "message.created")
    try:
        stack["celery"].send_task("murmur.poll_channel", args=[stack["demo"], True])
        assert event.wait(20), "no message.created from the worker at web process A:\n" + stack["procs"][0].output()
        assert got[0]["message"]["direction"] == "in" and got[0]["message"]["text"]
    finally:
        sio.disconnect()


def test_webhook_on_web_b_reaches_a_client_on_web_a(stack):
    sio, got, event = _client(stack["a"], stack["token"], "message.created")
    try:
        body = json.dumps({"id": "scaled-1", "text": "Hello from process B", "author": {"id": "9", "handle": "nine"}})
        res = httpx.post(f"http://127.0.0.1:{stack['b']}/api/channels/{stack['hook']}/webhook", content=body,
                         headers=sign(stack["secret"], body.encode(), int(time.time())))
        assert res.status_code == 200 and res.json()["stored"] == 1
        assert event.wait(10)
        assert any(e["message"]["text"] == "Hello from process B" for e in got)
    finally:
        sio.disconnect()
