"""SQLite never refuses a write because of a read, and a writer that waits too long answers 503.

Each test has its own SQLite file and a real second party: a thread holding a read transaction
open, or another process holding the write lock. The busy timeout is short (half a second) so a
request that waited for the lock would fail in the test instead of just being slow.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from inbox.channels.demo import seed_defaults
from inbox.store.context import Inbox
from inbox.store.db import is_lock_timeout
from inbox.store.models import Message
from tests.processes import migrated_sqlite
from tests.service.conftest import World, message
from web.app import create_app
from web.config import Config

BUSY_TIMEOUT = 0.5
HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.execute("ROLLBACK")
"""


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    url = migrated_sqlite(tmp_path / "murmur.db")
    config = Config(
        database_url=url,
        secret_key="locking-secret",
        testing=True,
        scheduler=False,
        instance_path=str(tmp_path),
        busy_timeout=BUSY_TIMEOUT,
    )
    app = create_app(config)
    seed_defaults(app.extensions["murmur.inbox"])
    yield app
    app.extensions["murmur.inbox"].engine.dispose()


@pytest.fixture
def lite(sqlite_app: Flask) -> Inbox:
    return sqlite_app.extensions["murmur.inbox"]


class WriteLockHolder:
    """Another process that holds SQLite's write lock on the file until `release`."""

    def __init__(self, path: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD_WRITE_LOCK, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)


@pytest.fixture
def write_lock(lite: Inbox) -> Iterator[WriteLockHolder]:
    holder = WriteLockHolder(lite.engine.url.database)
    try:
        yield holder
    finally:
        holder.release()


def _signed_post(client: Any, channel_id: int, secret: str, payload: dict[str, Any]) -> Any:
    import time

    from connectors.webhook import sign

    body = json.dumps(payload).encode()
    headers = {**sign(secret, body, int(time.time())), "Content-Type": "application/json"}
    return client.post(f"/api/channels/{channel_id}/webhook", data=body, headers=headers)


def _messages(inbox: Inbox) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_a_read_held_open_does_not_block_a_webhook_ingest(sqlite_app, lite):
    world = World(lite, sqlite_app)
    channel_id, secret = world.webhook_channel()
    client = sqlite_app.test_client()
    assert _signed_post(client, channel_id, secret, message("m0", "first")).status_code == 200
    reading, done = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def long_read() -> None:
        # A long report in another thread: its transaction stays open while the webhook arrives.
        with lite.read() as s:
            seen["before"] = s.scalar(select(func.count()).select_from(Message))
            reading.set()
            done.wait(10)
            seen["after"] = s.scalar(select(func.count()).select_from(Message))

    reader = threading.Thread(target=long_read)
    reader.start()
    try:
        assert reading.wait(10)
        res = _signed_post(client, channel_id, secret, message("m1", "second, while a report reads"))
        assert res.status_code == 200, res.get_json()
        assert _messages(lite) == 2  # committed while the read is still open
    finally:
        done.set()
        reader.join(10)
    # The read was a real open transaction: it kept reading its own snapshot throughout.
    assert seen == {"before": 1, "after": 1}


def test_a_writer_past_the_busy_timeout_answers_503_and_the_retry_stores_once(sqlite_app, lite):
    world = World(lite, sqlite_app)
    channel_id, secret = world.webhook_channel()
    client = sqlite_app.test_client()
    payload = message("dup-1", "Refund please, the parcel never came")
    holder = WriteLockHolder(lite.engine.url.database)
    try:
        res = _signed_post(client, channel_id, secret, payload)
        assert res.status_code == 503
        assert res.headers["Retry-After"].isdigit() and int(res.headers["Retry-After"]) >= 1
        assert res.get_json()["error"]["code"] == "busy"
        assert _messages(lite) == 0  # a read still answers while the lock is held; nothing stored
    finally:
        holder.release()
    first, again = (_signed_post(client, channel_id, secret, payload) for _ in range(2))
    assert (first.status_code, again.status_code) == (200, 200)
    assert _messages(lite) == 1


def _get_paths(app: Flask, ids: dict[str, int]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)
        paths.append(path)
    return sorted(paths)


def test_every_get_answers_while_another_process_holds_the_write_lock(sqlite_app, lite, write_lock):
    """Pages, the API's reads and the dashboard are reads: none waits for the writer, so none can
    answer 503 (or 500) while it writes. A GET that wrote would wait and fail here."""
    write_lock.release()  # set up the data first
    world = World(lite, sqlite_app)
    admin = world.agent("admin")
    channel_id, secret = world.webhook_channel()
    client = sqlite_app.test_client()
    assert _signed_post(client, channel_id, secret, message("g1", "Where is my order?")).status_code == 200
    with lite.read() as s:
        conv_id, cust_id = s.execute(text("SELECT id, customer_id FROM conversations")).one()
    ids = {"conversation_id": conv_id, "customer_id": cust_id, "channel_id": channel_id, "token": 0}
    query = {
        "/api/search": "?q=order",
        "/api/dashboard": "?days=365",
        "/dashboard/figures": "?days=365",
        "/api/dashboard/messages": "?sentiment=negative",
        "/api/analytics/funnel": "",
    }
    holder = WriteLockHolder(lite.engine.url.database)
    try:
        answers = {}
        for path in _get_paths(sqlite_app, ids):
            res = client.get(path + query.get(path, ""), headers=admin["auth"])
            answers[path] = res.status_code
        # a write, for contrast, does wait and is refused
        refused = _signed_post(client, channel_id, secret, message("g2", "and now?"))
    finally:
        holder.release()
    assert len(answers) >= 30
    assert {p: c for p, c in answers.items() if c >= 500} == {}
    assert answers["/api/conversations"] == answers["/api/dashboard"] == answers["/"] == 200
    assert refused.status_code == 503


def test_a_write_inside_a_read_fails_at_once_and_leaves_nothing(sqlite_app, lite):
    World(lite, sqlite_app).agent()
    with pytest.raises(Exception) as err, lite.read() as s:
        s.execute(text("UPDATE agents SET name = 'x'"))
    assert "readonly" in str(err.value)
    # the same pooled connection writes normally in a unit of work afterwards
    with lite.unit_of_work() as uow:
        uow.session.execute(text("UPDATE agents SET name = 'Night shift'"))
    with lite.read() as s:
        assert s.scalar(text("SELECT count(*) FROM agents WHERE name = 'Night shift'")) == 1


def test_lock_timeouts_are_told_apart_from_other_database_errors(tmp_path):
    path = str(tmp_path / "plain.db")
    holder_conn = sqlite3.connect(path, isolation_level=None)
    holder_conn.execute("CREATE TABLE t (x)")
    holder_conn.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as missing:
        other.execute("SELECT * FROM no_such_table")
    holder_conn.close()
    other.close()
    assert is_lock_timeout(busy.value)
    assert not is_lock_timeout(missing.value)
    assert not is_lock_timeout(ValueError("database is locked"))


def test_periodic_jobs_with_nothing_to_do_take_no_write_lock(lite, write_lock):
    """The embedded scheduler runs these every few seconds: finding nothing due, each reads and
    returns, so it neither waits for a writer nor makes one wait."""
    from web.jobs import PERIODIC

    for job in PERIODIC:
        job.run(lite)  # would raise "database is locked" after the busy timeout
    with pytest.raises(Exception, match="database is locked"), lite.unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))  # the lock was really held throughout


def test_the_lifecycle_job_saves_no_watermark_when_nothing_changed(sqlite_app, lite):
    """Its idle runs read and return: they neither wait for another writer nor make one wait,
    and what arrives afterwards is still found by the next run (the watermark stayed behind)."""
    from inbox.insights import lifecycle_service

    world = World(lite, sqlite_app)
    channel_id, secret = world.webhook_channel()
    client = sqlite_app.test_client()
    assert (
        _signed_post(
            client, channel_id, secret, message("first", "Where is my parcel?", author="ann")
        ).status_code
        == 200
    )
    assert lifecycle_service.refresh_customers(lite) >= 1  # the first run sweeps and saves its watermark
    holder = WriteLockHolder(lite.engine.url.database)
    try:
        assert lifecycle_service.refresh_customers(lite) == 0  # "database is locked" if it wrote
    finally:
        holder.release()
    assert (
        _signed_post(client, channel_id, secret, message("second", "Thanks!", author="bob")).status_code
        == 200
    )
    assert lifecycle_service.refresh_customers(lite) == 1
