"""Fixtures for tests through the real interfaces: the Flask app, HTTP, Socket.IO, the database."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from connectors.types import Author, InboundMessage
from connectors.webhook import sign
from inbox.admin.agents import create_agent, create_token, set_presence
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.store.context import Inbox
from tests.conftest import Clock
from web.app import create_app
from web.config import Config
from web.extensions import socketio

PASSWORD = "correct horse battery"


@pytest.fixture
def app(database_url: str, backend: str, clock: Clock, tmp_path: Any) -> Iterator[Flask]:
    # Flask-SocketIO's test client refuses a message queue, so in-process tests run PostgreSQL
    # without it; the Redis message queue is exercised by test_scaled with real processes.
    config = Config(
        database_url=database_url,
        redis_url=None,
        secret_key="test-secret-key",
        testing=True,
        scheduler=False,
        instance_path=str(tmp_path),
    )
    app = create_app(config, clock=clock)
    seed_defaults(app.extensions["murmur.inbox"])
    yield app
    app.extensions["murmur.inbox"].engine.dispose()


@pytest.fixture
def inbox(app: Flask) -> Inbox:
    return app.extensions["murmur.inbox"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class World:
    """Factories for the people and channels a test needs."""

    def __init__(self, inbox: Inbox, app: Flask) -> None:
        self.inbox, self.app = inbox, app
        self._n = 0

    def agent(
        self,
        role: str = "agent",
        teams: tuple[str, ...] = ("Support",),
        online: bool = False,
        languages: list[str] | None = None,
    ) -> dict[str, Any]:
        self._n += 1
        email = f"{role}{self._n}@example.com"
        agent_id = create_agent(
            self.inbox, email, PASSWORD, role, f"{role.title()} {self._n}", list(teams), languages
        )
        if online:
            set_presence(self.inbox, agent_id, "online")
        token = create_token(self.inbox, email)
        return {"id": agent_id, "email": email, "token": token, "auth": {"Authorization": f"Bearer {token}"}}

    def team_id(self, name: str = "Support") -> int:
        from sqlalchemy import select

        from inbox.store.models import Team

        with self.inbox.read() as s:
            return s.scalar(select(Team.id).where(Team.name == name))

    def webhook_channel(self, team: str | None = "Support", **settings: Any) -> tuple[int, str]:
        team_id = self.team_id(team) if team else None
        channel, generated = create_channel(
            self.inbox, None, "webhook", f"hook {self._n}", settings, {}, team_id
        )
        self._n += 1
        return channel["id"], generated["webhook_secret"]


@pytest.fixture
def world(inbox: Inbox, app: Flask) -> World:
    return World(inbox, app)


def inbound_message(
    ext: str, author: str, text: str = "Where is my order? It's been two weeks."
) -> InboundMessage:
    """One normalized webhook message from `author`, in their own thread, sent now."""
    return InboundMessage(
        channel="webhook",
        external_id=ext,
        thread_key=author,
        author=Author(author, f"h_{author}"),
        text=text,
        created_at=datetime.now(UTC),
    )


def message(
    ext_id: str, text: str = "Where is my order?", author: str = "u1", followers: int = 0, **extra: Any
) -> dict[str, Any]:
    body = {
        "id": ext_id,
        "text": text,
        "author": {"id": author, "handle": f"h_{author}", "name": f"User {author}", "followers": followers},
    }
    body.update(extra)
    return body


@pytest.fixture
def post_webhook(client: FlaskClient) -> Callable[..., Any]:
    def post(
        channel_id: int,
        secret: str,
        payload: Any,
        *,
        ts: int | None = None,
        headers: dict | None = None,
        raw: bytes | None = None,
    ) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        h = sign(secret, body, ts if ts is not None else int(time.time()))
        h["Content-Type"] = "application/json"
        h.update(headers or {})
        return client.post(f"/api/channels/{channel_id}/webhook", data=body, headers=h)

    return post


def wait_for(
    sio_client: Any, name: str, timeout: float = 5.0, where: Callable[[dict], bool] | None = None
) -> dict:
    """Wait for an event at a Socket.IO test client (events via Redis arrive on another thread)."""
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    while time.monotonic() < deadline:
        for pkt in sio_client.get_received():
            seen.append(pkt)
        for pkt in seen:
            if pkt["name"] == name and (where is None or where(pkt["args"][0])):
                return pkt["args"][0]
        time.sleep(0.01)
    raise AssertionError(f"no {name!r} event within {timeout}s; got {[p['name'] for p in seen]}")


def sio_client(app: Flask, token: str) -> Any:
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    return client


def selects_run_by(inbox: Inbox, work: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The SELECT (and WITH ... SELECT) statements (SQL text and driver parameters) that `work()` sends, for reading
    their query plans."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            seen.append((statement, parameters))

    event.listen(inbox.engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(inbox.engine, "before_cursor_execute", capture)
    return seen


def load_migration(name: str) -> Any:
    """An Alembic revision file (alembic/versions/<name>.py) as a module, to call its helpers."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "alembic" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def identity_seen_late(inbox: Any, monkeypatch: Any, author: Any, at: Any) -> Any:
    """Store `author`'s identity, then make ingest's next identities look-up miss it once, as if
    another writer committed it a moment after the look-up (the unique-key race). Returns it."""
    from inbox.customers import identities

    with inbox.unit_of_work() as uow:
        first = identities.upsert_identities(uow.session, [("x", author)], at)[("x", author.external_id)]
    real_load = identities._load
    calls: list[int] = []

    def blind_first_load(session: Any, keys: list[tuple[str, str]]) -> dict:
        calls.append(1)
        return {} if len(calls) == 1 else real_load(session, keys)

    monkeypatch.setattr(identities, "_load", blind_first_load)
    return first
