"""Kill -9 the web process and the worker in the middle of a load: 0 messages lost, 0 doubled.

Scaled mode on the real parts (PostgreSQL, Redis, a Celery worker, a web process). Senders push
signed webhook deliveries with unique ids and retry each until it is answered 2xx, as a network
does; meanwhile the worker keeps polling the demo channel. The web process and the worker are each
killed with SIGKILL mid-load and started again. Afterwards every delivered id is stored exactly
once, and the demo channel holds exactly as many messages as its committed cursor says it took.

It starts its own stack on its own database and Redis db (MURMUR_TEST_FAULT_DB, default
murmur_fault, and MURMUR_TEST_FAULT_REDIS_URL, default db 13), so it does not touch the scaled
test's.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from contextlib import suppress

import httpx
import pytest
from sqlalchemy import create_engine, text

from connectors.webhook import sign
from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from tests.conftest import SERVICES
from tests.service.processes import scaled_stack, serve, stop, worker

pytestmark = [pytest.mark.services, pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")]
DATABASE = os.environ.get("MURMUR_TEST_FAULT_DB", "murmur_fault")
REDIS = os.environ.get("MURMUR_TEST_FAULT_REDIS_URL", "redis://127.0.0.1:6379/13")
SENDERS, PER_SENDER, BATCH = 4, 30, 5


def kill9(proc) -> None:  # type: ignore[no-untyped-def]
    with suppress(ProcessLookupError):
        os.killpg(proc.p.pid, signal.SIGKILL)
    proc.p.wait(10)
    proc.stop()


@pytest.mark.timeout(600)  # restarting a worker after its kill took over 120 s at load 20 on 2 cores
def test_kill_9_of_web_and_worker_mid_load_loses_and_doubles_nothing(tmp_path):
    with scaled_stack(tmp_path, DATABASE, REDIS, webs=1) as stack:
        try:
            run_load_with_kills(stack, tmp_path)
        finally:
            for p in stack.procs:  # the restarted ones too (the stack stops only those it started)
                stop(p)


def run_load_with_kills(stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox.from_url(stack.database_url, stack.secret_key)
    try:
        hook, generated = create_channel(inbox, None, "webhook", "hook", {}, {})
        demo, _ = create_channel(inbox, None, "demo", "demo", {"batch_size": 5, "loop": True}, {})
    finally:
        inbox.engine.dispose()
    secret, port = generated["webhook_secret"], stack.ports[0]
    url = f"http://127.0.0.1:{port}/api/channels/{hook['id']}/webhook"
    sent: set[str] = set()
    lock = threading.Lock()
    stop_polling = threading.Event()

    def sender(n: int) -> None:
        with httpx.Client(timeout=10) as client:
            for b in range(PER_SENDER):
                batch = [
                    {
                        "id": f"s{n}-{b}-{i}",
                        "text": "Still waiting for my refund",
                        "author": {"id": f"a{n}", "handle": f"h{n}"},
                    }
                    for i in range(BATCH)
                ]
                body = json.dumps(batch).encode()
                deadline = time.monotonic() + 90
                while True:  # a network retries until it is answered 2xx
                    try:
                        res = client.post(url, content=body, headers=sign(secret, body, int(time.time())))
                        if 200 <= res.status_code < 300:  # 202 in scaled mode: recorded for the workers
                            break
                        assert res.status_code >= 500, res.text  # only a dying process may fail
                    except httpx.HTTPError:
                        pass
                    assert time.monotonic() < deadline, "the web process did not come back"
                    time.sleep(0.2)
                with lock:
                    sent.update(m["id"] for m in batch)
                time.sleep(0.2)  # paced like a network's deliveries, so the kills land mid-load

    def poller() -> None:
        while not stop_polling.is_set():
            with suppress(Exception):
                stack.celery.send_task("murmur.poll_channel", args=[demo["id"], True])
            time.sleep(0.1)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    polling = threading.Thread(target=poller)
    for t in [*threads, polling]:
        t.start()
    try:
        time.sleep(3)
        web = stack.procs[1]
        with lock:
            at_kill = len(sent)
        kill9(web)  # mid-load: requests in flight die with it
        stack.procs[1] = serve(stack.env, port, tmp_path / "web-restarted.log")
        time.sleep(2)
        kill9(stack.procs[0])  # the worker, mid-poll
        stack.procs[0] = worker(stack.env, tmp_path / "worker-restarted.log", stack.celery)
        for t in threads:
            t.join(240)
            assert not t.is_alive(), "a sender is stuck"
        time.sleep(2)
    finally:
        stop_polling.set()
        polling.join(10)

    engine = create_engine(stack.database_url)
    try:
        deadline = time.monotonic() + 60
        while True:
            with engine.connect() as c:
                stored = [
                    r[0]
                    for r in c.execute(
                        text("SELECT external_id FROM messages WHERE channel_account_id = :c"),
                        {"c": hook["id"]},
                    )
                ]
            if set(stored) >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        with engine.connect() as c:
            demo_stored = c.scalar(
                text("SELECT count(*) FROM messages WHERE channel_account_id = :c"), {"c": demo["id"]}
            )
            demo_distinct = c.scalar(
                text("SELECT count(DISTINCT external_id) FROM messages WHERE channel_account_id = :c"),
                {"c": demo["id"]},
            )
            cursor = c.scalar(text("SELECT cursor FROM channel_accounts WHERE id = :c"), {"c": demo["id"]})
    finally:
        engine.dispose()
    lost = sent - set(stored)
    doubled = len(stored) - len(set(stored))
    assert len(sent) == SENDERS * PER_SENDER * BATCH
    assert at_kill < len(sent), "the load was over before the kill"
    assert not lost, f"{len(lost)} delivered messages lost, e.g. {sorted(lost)[:5]}\n{stack.logs()}"
    assert doubled == 0, f"{doubled} webhook messages stored twice"
    assert demo_stored == demo_distinct == int(cursor or 0) > 0, (demo_stored, demo_distinct, cursor)
    print(f"webhook: {len(sent)} sent, 0 lost, 0 doubled; demo: {demo_stored} polled = cursor {cursor}")
