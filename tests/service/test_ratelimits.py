"""Abuse limits through Flask-Limiter: failed sign-ins slow and then lock an account and an
address (a controllable clock, no sleeps); a token over its API limit gets 429 + Retry-After in
the error format; in scaled mode the count is shared by two web processes through Redis."""

from __future__ import annotations

import os
import re
import time
from types import SimpleNamespace

import flask_limiter._extension
import httpx
import limits.storage.memory
import limits.strategies
import pytest

import web.ratelimits
from inbox.admin.agents import create_agent, create_token
from inbox.channels.demo import seed_defaults
from inbox.store.context import Inbox
from tests.conftest import SERVICES
from tests.service.conftest import PASSWORD
from tests.service.processes import scaled_stack
from web.app import create_app
from web.config import Config


class FakeTime:
    """time.time for the limiter's storage and strategies: starts now, moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The clock of the limiter's memory storage, of Flask-Limiter and of web.ratelimits (only
    theirs: the database drivers keep the real one)."""
    ft = FakeTime()
    clock = SimpleNamespace(time=ft, monotonic=time.monotonic, sleep=time.sleep)
    for module in (limits.storage.memory, limits.strategies, flask_limiter._extension, web.ratelimits):
        monkeypatch.setattr(module, "time", clock)
    return ft


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(
        1
    )


def _login(client, csrf, email, password, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_sign_ins_slow_then_lock_the_account_until_it_expires(client, world, fake_time):
    agent = world.agent()
    csrf = _csrf(client)
    for _ in range(5):
        assert _login(client, csrf, agent["email"], "wrong").status_code == 401
    res = _login(client, csrf, agent["email"], PASSWORD)
    assert res.status_code == 429
    page = res.get_data(as_text=True)
    assert "Too many failed sign-ins for this account" in page and "try again in" in page
    assert 1 <= int(res.headers["Retry-After"]) <= 60
    fake_time.advance(61)  # the minute's slow-down is over
    assert _login(client, csrf, agent["email"], PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf})
    csrf = _csrf(client)

    for _ in range(5):  # five more within the hour: the hour's lock
        assert _login(client, csrf, agent["email"], "wrong").status_code == 401
    fake_time.advance(61)
    res = _login(client, csrf, agent["email"], PASSWORD)
    assert res.status_code == 429 and "minutes" in res.get_data(as_text=True)
    assert int(res.headers["Retry-After"]) > 55 * 60
    # another account from another address is not locked by it
    other = world.agent()
    assert _login(client, csrf, other["email"], PASSWORD, address="10.0.0.2").status_code == 302
    client.post("/logout", data={"csrf_token": csrf})
    csrf = _csrf(client)
    fake_time.advance(60 * 60)
    assert _login(client, csrf, agent["email"], PASSWORD).status_code == 302


def test_many_accounts_from_one_address_lock_that_address(client, world, fake_time):
    agent = world.agent()
    csrf = _csrf(client)
    for i in range(20):
        assert _login(client, csrf, f"nobody{i}@example.com", "guess").status_code == 401
    res = _login(client, csrf, agent["email"], PASSWORD)
    assert res.status_code == 429 and "this address" in res.get_data(as_text=True)
    assert _login(client, csrf, agent["email"], PASSWORD, address="10.9.9.9").status_code == 302


@pytest.fixture
def limited_app(database_url, clock, tmp_path):
    config = Config(
        database_url=database_url,
        secret_key="test-secret-key",
        testing=True,
        scheduler=False,
        instance_path=str(tmp_path),
        api_rate_limit="3 per minute",
    )
    app = create_app(config, clock=clock)
    seed_defaults(app.extensions["murmur.inbox"])
    yield app
    app.extensions["murmur.inbox"].engine.dispose()


def test_token_over_its_limit_gets_429_with_retry_after(limited_app, fake_time):
    inbox = limited_app.extensions["murmur.inbox"]
    client = limited_app.test_client()
    create_agent(inbox, "a@example.com", PASSWORD, "agent", teams=["Support"])
    one = {"Authorization": "Bearer " + create_token(inbox, "a@example.com")}
    two = {"Authorization": "Bearer " + create_token(inbox, "a@example.com")}
    for _ in range(3):
        assert client.get("/api/conversations", headers=one).status_code == 200
    res = client.get("/api/conversations", headers=one)
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(res.headers["Retry-After"]) <= 60
    assert client.get("/api/conversations", headers=two).status_code == 200  # per token
    fake_time.advance(61)
    assert client.get("/api/conversations", headers=one).status_code == 200


@pytest.mark.services
@pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")
@pytest.mark.timeout(600)
def test_scaled_token_limit_is_shared_by_two_web_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("MURMUR_API_RATE_LIMIT", "6 per minute")
    redis_url = os.environ.get("MURMUR_TEST_SCALED_REDIS_URL", "redis://127.0.0.1:6379/14")
    database = os.environ.get("MURMUR_TEST_SCALED_DB", "murmur_scaled") + "_limits"
    with scaled_stack(tmp_path, database, redis_url, webs=2, workers=0) as stack:
        inbox = Inbox.from_url(stack.database_url, stack.secret_key)
        try:
            create_agent(inbox, "a@example.com", PASSWORD, "agent", teams=["Support"])
            token = create_token(inbox, "a@example.com")
        finally:
            inbox.engine.dispose()
        auth = {"Authorization": f"Bearer {token}"}
        a, b = (f"http://127.0.0.1:{p}/api/conversations" for p in stack.ports)
        codes = [httpx.get(url, headers=auth, timeout=30).status_code for url in (a, b, a, b, a, b)]
        assert codes == [200] * 6, stack.logs()
        for url in (a, b):
            res = httpx.get(url, headers=auth, timeout=30)
            assert res.status_code == 429
            assert res.json()["error"]["code"] == "rate_limited"
            assert int(res.headers["Retry-After"]) >= 1


def test_embedded_limits_start_no_thread_per_request_and_still_sweep(client, world, app, fake_time):
    """limits' MemoryStorage starts a 10 ms timer thread at every hit once the last one ended;
    the embedded storage sweeps inline instead, at most once a second (issue 22 profiles)."""
    agent = world.agent()
    storage = app.extensions["murmur.limiter"].storage
    assert isinstance(storage, web.ratelimits.SweptMemoryStorage)
    timer = storage.timer
    started = []
    original = web.ratelimits.threading.Thread.start

    def counting(thread):  # type: ignore[no-untyped-def]
        started.append(thread)
        return original(thread)

    import threading

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threading.Thread, "start", counting)
        for _ in range(5):
            assert client.get("/api/conversations", headers=agent["auth"]).status_code == 200
            fake_time.advance(0.5)
    assert not [t for t in started if isinstance(t, threading.Timer)]
    assert storage.timer is timer
    key = next(iter(storage.events))
    assert storage.events[key]
    fake_time.advance(120)  # every hit of the last minute has left the window
    storage.next_sweep = 0.0
    storage._MemoryStorage__schedule_expiry()
    assert not storage.events.get(key)  # its expired hits were swept
