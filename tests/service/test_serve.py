"""`murmur serve` is gunicorn in both modes: no development server, the app and its threads in the
worker (never the master), Socket.IO's websocket transport working, and in scaled mode several
web processes sharing rooms through Redis, started as the README's deployment starts them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import func, select

from inbox.admin.agents import create_agent, create_token
from inbox.channels import polling
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.store.context import Inbox
from inbox.store.models import Conversation, Message
from tests.conftest import REDIS_URL, SERVICES
from tests.processes import Proc, free_port, migrated_sqlite, serve
from tests.service.processes import fresh_redis, stop

PASSWORD = "long enough password"


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _connect(port: int, token: str, event: str) -> tuple[socketio.Client, list[Any], threading.Event]:
    """A Socket.IO client on the websocket transport only (simple-websocket under gunicorn)."""
    got: list[Any] = []
    arrived = threading.Event()
    sio = socketio.Client()

    @sio.on(event)
    def _(data: Any) -> None:
        got.append(data)
        arrived.set()

    sio.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return sio, got, arrived


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("embedded")
    url = migrated_sqlite(tmp_path / "murmur.db")
    inbox = Inbox.from_url(url, "serve-secret")
    seed_defaults(inbox)
    create_agent(inbox, "sup@example.com", PASSWORD, "supervisor", teams=["Support"])
    token = create_token(inbox, "sup@example.com")
    # a demo channel due at once: the embedded scheduler's poll job ingests from it
    create_channel(inbox, None, "demo", "demo", {"batch_size": 2, "max_pages": 1}, {})
    env = {
        "MURMUR_DATABASE_URL": url,
        "MURMUR_SECRET_KEY": "serve-secret",
        "MURMUR_INSTANCE_PATH": str(tmp_path),
        "MURMUR_SCHEDULER": "1",
    }
    port = free_port()
    proc = serve(env, port, tmp_path / "serve.log")
    try:
        yield {"port": port, "proc": proc, "inbox": inbox, "token": token}
    finally:
        stop(proc)
        inbox.engine.dispose()


def test_embedded_serve_is_gunicorn_with_the_scheduler_in_its_one_worker(embedded):
    proc: Proc = embedded["proc"]
    res = httpx.get(f"http://127.0.0.1:{embedded['port']}/healthz")
    assert res.status_code == 200 and res.json()["mode"] == "embedded"
    assert res.headers["server"] == "gunicorn"
    master = proc.p.pid
    workers = _children(master)
    assert len(workers) == 1, proc.output()
    # The master is a bare arbiter; the worker runs the app, the scheduler and the WAL checkpointer.
    assert _threads(master) == 1
    assert _threads(workers[0]) > 2
    # The scheduler really runs there: the demo channel gets polled and its messages stored.
    inbox: Inbox = embedded["inbox"]
    deadline = threading.Event()
    for _ in range(300):
        with inbox.read() as s:
            if s.scalar(select(func.count()).select_from(Message)):
                break
        deadline.wait(0.1)
    else:
        raise AssertionError("the embedded scheduler ingested nothing:\n" + proc.output())
    log = proc.output()
    assert "Murmur (embedded) is serving the inbox at http://127.0.0.1:" in log
    for login in (
        "supervisor: demo@murmur.local",
        "agent: somchai@murmur.local",
        "admin: admin@murmur.local",
    ):
        assert f"Log in as the demo {login}" in log
    assert "development server" not in log.lower() and "werkzeug" not in log.lower()


def test_socketio_websockets_work_under_gunicorn(embedded):
    sio, got, arrived = _connect(embedded["port"], embedded["token"], "hello")
    try:
        assert arrived.wait(10), embedded["proc"].output()
        assert sio.transport() == "websocket"
        assert got[0]["agent_id"] > 0
    finally:
        sio.disconnect()


@pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_scaled_web_processes_share_rooms_through_redis(database_url, backend, tmp_path):
    """Two `murmur serve` processes, as behind the README's proxy: a change made through web B
    reaches an agent whose socket is on web A."""
    fresh_redis(REDIS_URL)
    inbox = Inbox.from_url(database_url, "scaled-secret")
    seed_defaults(inbox)
    create_agent(inbox, "sup@example.com", PASSWORD, "supervisor", teams=["Support"])
    token = create_token(inbox, "sup@example.com")
    demo, _ = create_channel(inbox, None, "demo", "demo", {"batch_size": 1, "max_pages": 1}, {})
    polling.poll(inbox, demo["id"], force=True)
    with inbox.read() as s:
        conv_id = s.scalar(select(Conversation.id))
    inbox.engine.dispose()
    env = {
        "MURMUR_DATABASE_URL": database_url,
        "MURMUR_REDIS_URL": REDIS_URL,
        "MURMUR_SECRET_KEY": "scaled-secret",
        "MURMUR_SCHEDULER": "0",
        "MURMUR_INSTANCE_PATH": str(tmp_path),
    }
    webs: list[Proc] = []
    try:
        ports = []
        for name in ("a", "b"):
            ports.append(free_port())
            webs.append(serve(env, ports[-1], tmp_path / f"web-{name}.log"))
        for port in ports:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz")
            assert health.json()["mode"] == "scaled" and health.headers["server"] == "gunicorn"
        sio, got, arrived = _connect(ports[0], token, "conversation.updated")
        try:
            res = httpx.patch(
                f"http://127.0.0.1:{ports[1]}/api/conversations/{conv_id}",
                json={"status": "pending"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert res.status_code == 200, res.text
            logs = "\n".join(p.output() for p in webs)
            assert arrived.wait(10), "no conversation.updated from web B at web A:\n" + logs
            assert any(e["conversation"]["id"] == conv_id for e in got), got
        finally:
            sio.disconnect()
        assert all("Murmur (scaled) is serving" in p.output() for p in webs)
    finally:
        for proc in webs:
            stop(proc)
