"""Scaled mode on the real parts: PostgreSQL, Redis, two Celery workers and two web processes.

An event produced in one process (a worker) must reach a browser-like Socket.IO client connected
to another process (web A) through the Redis message queue. Webhooks are answered once recorded
and ingested by the workers: two of them keep each conversation in order and store every message
exactly once, even when one is killed -9 mid-load, and what waited survives a restart.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import socketio
from sqlalchemy import create_engine
from sqlalchemy import text as sql_text

from connectors.webhook import sign
from inbox.admin.agents import create_agent, create_token
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from tests.conftest import SERVICES
from tests.service.processes import fresh_redis, kill, scaled_stack

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1"),
    pytest.mark.timeout(600),  # starting four processes on a loaded 2-core machine takes minutes
]
# its own db number (the in-process suite uses 15); overridable, since a worker left running on
# the same broker by another run would take this stack's tasks
REDIS = os.environ.get("MURMUR_TEST_SCALED_REDIS_URL", "redis://127.0.0.1:6379/14")
DATABASE = os.environ.get("MURMUR_TEST_SCALED_DB", "murmur_scaled")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scaled")
    with scaled_stack(tmp, DATABASE, REDIS, webs=2, workers=2) as procs:
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
        # a worker, not a web process, ran ingest
        assert any("murmur.poll_channel" in w.output() for w in stack["procs"].workers)
    finally:
        sio.disconnect()


def test_webhook_on_web_b_is_ingested_by_a_worker_and_reaches_a_client_on_web_a(stack):
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
        assert res.status_code == 202 and res.json() == {"queued": 1, "duplicates": 0, "rejected": []}
        assert event.wait(10), "no message.created from a worker at web process A:\n" + stack["procs"].logs()
        deadline = time.monotonic() + 10  # an event of an earlier test's poll may come first
        while not any(e["message"]["text"] == "Hello from process B" for e in got):
            assert time.monotonic() < deadline, [e["message"]["text"] for e in got]
            time.sleep(0.05)
    finally:
        sio.disconnect()


def test_a_reply_made_by_a_worker_reaches_the_widget_visitor_on_a_web_process(stack):
    """A survey invitation is a reply the worker's job makes, outside any web process; in a
    widget conversation it reaches the visitor's socket on web B through the message queue, as
    an agent's reply made on a web process does (web.widget.live.WidgetRelay in the worker).
    (Before the tests that kill web B.)"""
    inbox = Inbox.from_url(stack["procs"].database_url, stack["procs"].secret_key)
    try:
        widget, _ = create_channel(
            inbox,
            None,
            "widget",
            "chat",
            {"allowed_origins": ["https://shop.example"], "prechat": "none"},
            {},
        )
    finally:
        inbox.engine.dispose()
    base = f"http://127.0.0.1:{stack['a']}/widget/{widget['id']}/api"
    token = httpx.post(f"{base}/session", json={}, timeout=30).json()["token"]
    said = httpx.post(
        f"{base}/messages",
        json={"client_id": "visitor-msg-0001", "text": "Is my order on its way?"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert said.status_code == 201, said.text
    conv_id = said.json()["message"]["conversation_id"]
    engine = create_engine(stack["procs"].database_url)
    try:
        with engine.begin() as c:  # resolved by the supervisor: due a survey invitation
            c.execute(
                sql_text(
                    "UPDATE conversations SET status = 'resolved', resolved_at = now() AT TIME ZONE 'utc', "
                    "assignee_id = (SELECT id FROM agents WHERE email = 'sup@example.com') WHERE id = :c"
                ),
                {"c": conv_id},
            )
    finally:
        engine.dispose()
    got: list = []
    arrived = threading.Event()
    visitor = socketio.Client()

    @visitor.on("message", namespace="/widget")
    def _(data):  # type: ignore[no-untyped-def]
        got.append(data)
        arrived.set()

    visitor.connect(
        f"http://127.0.0.1:{stack['b']}",
        namespaces=["/widget"],
        auth={"channel": widget["id"], "token": token},
        transports=["websocket"],
        wait_timeout=10,
    )
    try:
        stack["celery"].send_task("murmur.job.send_surveys")
        assert arrived.wait(30), "no widget message from the worker at web B:\n" + stack["procs"].logs()
        [reply] = got
        assert reply["from"] == "agent" and "/survey/" in reply["text"] and reply["name"] is None
    finally:
        visitor.disconnect()


def _post(
    stack: dict, port: int, ext: str, thread: str, at: datetime, text: str = "Where is my parcel?"
) -> int:
    body = json.dumps(
        {
            "id": ext,
            "text": text,
            "thread": thread,
            "created_at": at.isoformat(),
            "author": {"id": thread, "handle": f"h{thread}"},
        }
    )
    res = httpx.post(
        f"http://127.0.0.1:{port}/api/channels/{stack['hook']}/webhook",
        content=body,
        headers=sign(stack["secret"], body.encode(), int(time.time())),
        timeout=30,
    )
    return res.status_code


def _stored(stack: dict, prefix: str) -> dict[str, list[str]]:
    """Each conversation's message ids (external) in storage order, for threads named `prefix...`."""
    engine = create_engine(stack["procs"].database_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                sql_text(
                    "SELECT c.thread_key, m.external_id FROM messages m JOIN conversations c "
                    "ON c.id = m.conversation_id WHERE c.thread_key LIKE :p ORDER BY m.id"
                ),
                {"p": prefix + "%"},
            )
            out: dict[str, list[str]] = {}
            for key, ext in rows:
                out.setdefault(key, []).append(ext)
            return out
    finally:
        engine.dispose()


def _until_all_stored(stack: dict, prefix: str, want: int, timeout: float = 90) -> dict[str, list[str]]:
    """Wait until `want` messages are stored; the test plays beat, sending the sweep now and then."""
    deadline = time.monotonic() + timeout
    got: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        got = _stored(stack, prefix)
        if sum(map(len, got.values())) >= want:
            return got
        stack["celery"].send_task("murmur.drain_due")
        time.sleep(1)
    raise AssertionError(f"{sum(map(len, got.values()))} of {want} stored:\n{stack['procs'].logs()}")


def _db(stack: dict, sql: str, **params: object) -> list:
    engine = create_engine(stack["procs"].database_url)
    try:
        with engine.connect() as c:
            return c.execute(sql_text(sql), params).all()
    finally:
        engine.dispose()


def _until(stack: dict, check, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while (got := check()) is None or got is False:
        assert time.monotonic() < deadline, stack["procs"].logs()
        time.sleep(0.2)
    return got


def _labels_of(stack: dict, thread: str) -> set[str] | None:
    """The labels of the conversation `thread`, once its message is stored (None before)."""
    rows = _db(
        stack,
        "SELECT l.label FROM conversations c LEFT JOIN conversation_labels l ON l.conversation_id = c.id "
        "WHERE c.thread_key = :t AND c.message_count > 0",
        t=thread,
    )
    return None if not rows else {r[0] for r in rows if r[0] is not None}


def test_settings_changed_through_web_a_take_effect_in_a_workers_next_drain(stack):
    """The workers keep rules, SLA policies and webhook subscriptions between drains
    (inbox.store.settings_cache); each change made through web process A's API is in force for
    the next webhook posted to web B and drained by a worker."""
    auth = {"Authorization": f"Bearer {stack['token']}"}
    api = f"http://127.0.0.1:{stack['a']}/api"
    now = datetime.now(UTC)
    assert _post(stack, stack["b"], "cfg-0", "cfg-0", now, "refund now") == 202
    assert _until(stack, lambda: _labels_of(stack, "cfg-0")) == set()  # the workers have loaded them

    rule = {
        "name": "refunds",
        "trigger": "message.created",
        "conditions": [{"field": "message.text", "op": "contains", "value": "refund"}],
        "actions": [{"type": "add_label", "label": "refund"}],
    }
    created = httpx.post(f"{api}/rules", json=rule, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    sub = httpx.post(
        f"{api}/webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["message.created"]}, headers=auth
    )
    assert sub.status_code == 201, sub.text
    policy = {"name": "fast", "first_response_minutes": 5}
    assert httpx.post(f"{api}/sla/policies", json=policy, headers=auth).status_code == 201
    for i in range(1, 5):  # every lane's holder, whichever worker drains it
        assert _post(stack, stack["b"], f"cfg-{i}", f"cfg-{i}", now, "refund now") == 202
        assert _until(stack, lambda i=i: _labels_of(stack, f"cfg-{i}")) == {"refund"}
        [(due,)] = _db(
            stack, "SELECT first_response_due_at FROM conversations WHERE thread_key = :t", t=f"cfg-{i}"
        )
        assert due is not None
    heard = _db(stack, "SELECT count(*) FROM webhook_deliveries WHERE event = 'message.created'")[0][0]
    assert heard >= 4

    off = httpx.patch(f"{api}/rules/{created.json()['id']}", json={"enabled": False}, headers=auth)
    assert off.status_code == 200, off.text
    assert httpx.delete(f"{api}/webhooks/{sub.json()['id']}", headers=auth).status_code == 204
    for i in range(5, 9):
        assert _post(stack, stack["b"], f"cfg-{i}", f"cfg-{i}", now, "refund now") == 202
        assert _until(stack, lambda i=i: _labels_of(stack, f"cfg-{i}")) == set()
    assert (
        _db(stack, "SELECT count(*) FROM webhook_deliveries WHERE event = 'message.created'")[0][0] == heard
    )


def test_two_workers_keep_each_conversation_in_order_and_lose_nothing_when_one_is_killed(stack):
    """20 conversations, 15 messages each, posted by 4 senders to both web processes (each
    conversation's messages one after another, as a network sends them); one worker is killed -9
    mid-load and a new one started."""
    procs = stack["procs"]
    threads = [f"k{i:02d}" for i in range(20)]
    per_thread = 15
    start = datetime.now(UTC)
    answers: list[int] = []

    def sender(mine: list[str]) -> None:
        for j in range(per_thread):
            for n, t in enumerate(mine):
                port = stack["a"] if (j + n) % 2 else stack["b"]
                answers.append(_post(stack, port, f"{t}-{j:02d}", t, start + timedelta(seconds=j)))

    senders = [threading.Thread(target=sender, args=(threads[i::4],)) for i in range(4)]
    for s in senders:
        s.start()
    deadline = time.monotonic() + 60
    while len(answers) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = procs.workers[0]
    kill(victim)  # no goodbye: its open batch, unacked task and lane lease are left behind
    procs.workers.remove(victim)
    procs.start_worker()
    for s in senders:
        s.join(120)
    assert answers.count(202) == len(threads) * per_thread, sorted(set(answers))

    got = _until_all_stored(stack, "k", len(threads) * per_thread)
    assert got == {t: [f"{t}-{j:02d}" for j in range(per_thread)] for t in threads}
    assert "murmur.drain_lane" in victim.output()  # the killed worker had been ingesting
    assert any("murmur.drain_lane" in w.output() for w in procs.workers)


def test_recorded_deliveries_survive_the_web_process_and_a_restart_of_every_worker(stack):
    """With no worker running (and the broker's task messages lost), a webhook is answered 202
    and kept; its web process is killed -9 after answering; a worker started later ingests it."""
    procs = stack["procs"]
    for w in list(procs.workers):
        kill(w)
        procs.workers.remove(w)
    fresh_redis(procs.redis_url)  # the queued drain tasks are gone too
    at = datetime.now(UTC)
    assert _post(stack, stack["b"], "r-1", "r-thread", at) == 202
    assert _post(stack, stack["b"], "r-2", "r-thread", at + timedelta(seconds=1)) == 202
    web_b = next(p for p in procs.procs if p.log.name == "web-b.log")
    kill(web_b)
    time.sleep(1)
    assert _stored(stack, "r-") == {}  # answered before ingest
    procs.start_worker()  # a starting worker sweeps what waited
    deadline = time.monotonic() + 30
    while _stored(stack, "r-") != {"r-thread": ["r-1", "r-2"]}:
        assert time.monotonic() < deadline, procs.logs()
        time.sleep(0.5)
