"""Scaled ingest on the web side and end to end: signed webhooks to two web processes (accepted
a second, web CPU and server CPU per message), webhook on web B -> an agent's client on web A
(p50/p99, and where the time goes), next to a bare Flask-SocketIO emit through the same Redis.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from web.bench import scaled_cpu
from web.bench.common import _percentile, _workdir, texts
from web.bench.scaled_processes import REDIS, _settings, _stack, _wait_drained


def webhook_figures(
    n: int = 600, senders: int = 4, latency_n: int = 300, cache: bool = True, lean_client: bool = False
) -> dict[str, float]:
    """With two workers running: signed webhooks posted by `senders` threads to both web
    processes (accepted per second, web CPU per message, end-to-end server CPU per message),
    then one at a time to web B with an agent's client on web A (message.created p50/p99).
    `cache=False` starts the processes with MURMUR_SETTINGS_CACHE=0 (every drain reads the
    rules, policies, agents and subscriptions again), for the comparison in the same run.
    `lean_client`: then `latency_n` more, to a client that does not check UTF-8 in Python (`_LEAN`)."""
    import httpx
    from sqlalchemy import select

    from connectors.webhook import sign
    from inbox.admin.agents import create_agent, create_token
    from inbox.channels.accounts import create_channel
    from inbox.store.context import Inbox
    from inbox.store.models import Team

    with _workdir() as path, _stack(path, 2, cache) as stack:
        inbox = Inbox.from_url(stack.database_url, stack.secret_key)
        try:
            sup = create_agent(
                inbox, "sup@example.com", "long enough password", "supervisor", teams=["Support"]
            )
            token = create_token(inbox, "sup@example.com")
            _settings(inbox, sup)  # what a workspace has: rules, a policy, agents online to route to
            with inbox.read() as s:
                team = s.scalar(select(Team.id).where(Team.name == "Support"))
            channel, generated = create_channel(inbox, None, "webhook", "bench", {}, {}, team)
        finally:
            inbox.engine.dispose()
        secret, (port_a, port_b) = generated["webhook_secret"], stack.ports
        url = f"/api/channels/{channel['id']}/webhook"
        corpus = texts(n + 2 * latency_n, seed=9)

        def body(i: int, thread: str) -> bytes:
            text, lang = corpus[i]
            return json.dumps(
                {
                    "id": f"w{i}",
                    "text": text,
                    "lang": lang,
                    "thread": thread,
                    "author": {"id": thread, "handle": thread},
                }
            ).encode()

        webs = {p.log.name: p.p.pid for p in stack.procs if p.log.name.startswith("web")}
        cpu = scaled_cpu.CpuBreakdown(
            stack.database_url,
            {
                "web A": [webs["web-a.log"]],
                "web B": [webs["web-b.log"]],
                "worker": [w.p.pid for w in stack.workers],
            },
        )
        before = cpu.sample()
        errors: list[int] = []

        def send(k: int) -> None:
            with httpx.Client(timeout=30) as http:
                for i in range(k, n, senders):
                    raw = body(i, f"c{i % 100}")
                    port = port_a if i % 2 else port_b
                    res = http.post(
                        f"http://127.0.0.1:{port}{url}",
                        content=raw,
                        headers=sign(secret, raw, int(time.time())),
                    )
                    if res.status_code != 202:
                        errors.append(res.status_code)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=send, args=(k,)) for k in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        accept_s = time.perf_counter() - t0
        if errors:
            raise RuntimeError(f"webhooks answered {sorted(set(errors))}")
        after_accept = cpu.sample()
        _wait_drained(stack.database_url, n, timeout=600)
        wall = time.perf_counter() - t0
        after_all = cpu.sample()
        web = sum(v for (k, _), v in cpu.spent(before, after_accept).items() if k.startswith("web"))
        spent = {k: v for k, v in cpu.spent(before, after_all).items() if k[0] != scaled_cpu.BENCH}
        total = sum(spent.values())
        time.sleep(1.0)  # the last emits and commits settle
        idle = cpu.idle(wall)  # the same stack, the same wall time, no webhook
        breakdown = scaled_cpu.figures("hooks", spent, idle, n)

        mark: list[Any] = []  # the CPU sample and clock once the client is connected

        def connected() -> None:
            mark[:] = [cpu.sample(), time.perf_counter()]

        try:
            lat, answered, walls, seen = _one_at_a_time(
                port_a, port_b, token, url, secret, body, range(n, n + latency_n), ready=connected
            )
            at_start, t1 = mark
            lat_wall = time.perf_counter() - t1
            lat_spent = {
                k: v for k, v in cpu.spent(at_start, cpu.sample()).items() if k[0] != scaled_cpu.BENCH
            }
            breakdown |= scaled_cpu.figures("one", lat_spent, cpu.idle(lat_wall), latency_n)
            breakdown["idle_s:one"], breakdown["idle_s:hooks"] = lat_wall, wall
            if lean_client:  # the same again, the client skipping its UTF-8 check in Python (_LEAN)
                lean = _one_at_a_time(
                    port_a, port_b, token, url, secret, body, range(n + latency_n, n + 2 * latency_n), _LEAN
                )
        finally:
            cpu.close()
        to_ingest = _to_ingest(stack.database_url, walls)
    warm, posted = lat[10:], answered[10:]
    # where the time goes: the POST answered; then until the worker's batch began (wake-up, the
    # drain thread's pickup, the lane's claim); then ingest, commit, emit and Socket.IO to web A
    keys = [f"w{i}" for i in range(n, n + latency_n)][10:]
    pickup = [to_ingest[k] - a for k, a in zip(keys, posted, strict=True)]
    after = [t - to_ingest[k] for k, t in zip(keys, warm, strict=True)]
    # and split at the publish: batch begins -> on Redis (ingest, commit, publish); Redis -> the
    # agent's client (web A's listener, its emit, the websocket, the client's thread)
    published = {k: (seen[k] - walls[k]) * 1000 for k in keys if k in seen}
    to_pub = [published[k] - to_ingest[k] for k in keys if k in published]
    to_client = [t - published[k] for k, t in zip(keys, warm, strict=True) if k in published]
    return {
        "accepted_per_s": n / accept_s,
        "web_ms": web / n * 1000,
        "server_ms": total / n * 1000,
        "p50_ms": _percentile(warm, 50),
        "p90_ms": _percentile(warm, 90),
        "p99_ms": _percentile(warm, 99),
        "max_ms": max(warm),
        "answered_p50_ms": _percentile(posted, 50),
        "answered_p99_ms": _percentile(posted, 99),
        "pickup_p50_ms": _percentile(pickup, 50),
        "pickup_p99_ms": _percentile(pickup, 99),
        "after_p50_ms": _percentile(after, 50),
        "after_p99_ms": _percentile(after, 99),
        "to_publish_p50_ms": _percentile(to_pub, 50) if to_pub else float("nan"),
        "to_publish_p99_ms": _percentile(to_pub, 99) if to_pub else float("nan"),
        "to_client_p50_ms": _percentile(to_client, 50) if to_client else float("nan"),
        "to_client_p99_ms": _percentile(to_client, 99) if to_client else float("nan"),
        **breakdown,
        **(_lean_figures(*lean) if lean_client else {}),
    }


# The agent's client without websocket-client's UTF-8 check in pure Python (a loop over every byte
# of a text frame when wsaccel is not installed: about 0.2 ms a kilobyte here, 1 ms of the 2-3 ms
# from Redis to the client for a message's 2-3 events). A browser checks in native code; this
# row shows the server's part with the client's cost closer to a browser's.
_LEAN = {"websocket_extra_options": {"skip_utf8_validation": True}}


def _one_at_a_time(  # type: ignore[no-untyped-def]
    port_a: int,
    port_b: int,
    token: str,
    url: str,
    secret: str,
    body,
    keys: range,
    client: dict | None = None,
    ready=lambda: None,
) -> tuple[list[float], list[float], dict[str, float], dict[str, float]]:
    """One POST at a time to web B, each waited for as `message.created` on a supervisor's client
    on web A: the whole path's ms, the POST's own ms, each POST's wall clock, and when each
    message.created was published on Redis (the tap). `ready()` runs once the client is connected."""
    import httpx
    import socketio

    from connectors.webhook import sign

    events: list[tuple[str, float]] = []
    arrived = threading.Event()
    sio = socketio.Client(**(client or {}))

    @sio.on("message.created")
    def _(data: dict) -> None:
        events.append((data["message"]["external_id"], time.perf_counter()))
        arrived.set()

    sio.connect(
        f"http://127.0.0.1:{port_a}", auth={"token": token}, transports=["websocket"], wait_timeout=10
    )
    tap = _PublishTap(REDIS)  # when each message.created left the worker (through Redis)
    lat: list[float] = []
    answered: list[float] = []  # the POST's own time: verify, record, wake (web B only)
    walls: dict[str, float] = {}  # wall clock at each POST, against the worker's received_at
    try:
        ready()
        with httpx.Client(base_url=f"http://127.0.0.1:{port_b}", timeout=30) as http:
            for i in keys:
                raw = body(i, f"lat{i}")
                arrived.clear()
                start = time.perf_counter()
                walls[f"w{i}"] = time.time()
                http.post(url, content=raw, headers=sign(secret, raw, int(time.time())))
                answered.append((time.perf_counter() - start) * 1000)
                deadline = start + 10
                while not any(e == f"w{i}" for e, _ in events[-5:]):
                    arrived.wait(max(0.0, deadline - time.perf_counter()))
                    arrived.clear()
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"no message.created for w{i}")
                lat.append((next(t for e, t in events if e == f"w{i}") - start) * 1000)
    finally:
        sio.disconnect()
        tap.close()
    return lat, answered, walls, dict(tap.seen)


def _lean_figures(
    lat: list[float], answered: list[float], walls: dict[str, float], seen: dict[str, float]
) -> dict[str, float]:
    warm = lat[10:]
    keys = list(walls)[10:]
    to_client = [t - (seen[k] - walls[k]) * 1000 for k, t in zip(keys, warm, strict=True) if k in seen]
    return {
        "lean_p50_ms": _percentile(warm, 50),
        "lean_p99_ms": _percentile(warm, 99),
        "lean_to_client_p50_ms": _percentile(to_client, 50) if to_client else float("nan"),
        "lean_to_client_p99_ms": _percentile(to_client, 99) if to_client else float("nan"),
    }


class _PublishTap:
    """A Redis subscriber on the Socket.IO channel: the wall-clock time each `message.created`
    was published (by external id), to split the worker's part from web A's."""

    def __init__(self, redis_url: str, channel: str = "flask-socketio") -> None:
        import redis

        self.seen: dict[str, float] = {}
        self.pubsub = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(**{channel: self._on})
        self.thread = self.pubsub.run_in_thread(sleep_time=0.5, daemon=True)

    def _on(self, message: dict) -> None:
        at = time.time()
        try:
            data = json.loads(message["data"])
            if data.get("event") == "message.created":
                self.seen.setdefault(data["data"][0]["message"]["external_id"], at)
        except (ValueError, KeyError, IndexError, TypeError):
            pass

    def close(self) -> None:
        self.thread.stop()
        self.pubsub.close()


def _to_ingest(url: str, walls: dict[str, float]) -> dict[str, float]:
    """ms from each POST to the start of the batch that stored it (the message's received_at)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text("SELECT external_id, received_at FROM messages WHERE external_id = ANY(:ids)"),
                {"ids": list(walls)},
            ).all()
    finally:
        engine.dispose()
    return {ext: (at.timestamp() - walls[ext]) * 1000 for ext, at in rows}


def bare_redis_emit(n: int = 300) -> dict[str, float]:
    """A bare Flask-SocketIO server with the same Redis message queue; this process emits through
    Redis (as a worker does) and the client connected to the server receives: p50/p99 in ms."""
    import sys

    import socketio
    from flask_socketio import SocketIO

    from web.bench.common import _free_port
    from web.bench.servers import Server, clean_env

    port = _free_port()
    code = f"from web.bench.scaled_webhooks import serve_bare_mq; serve_bare_mq({port}, {REDIS!r})"
    with (
        _workdir() as path,
        Server([sys.executable, "-c", code], clean_env(), port, path / "bare.log", "/healthz"),
    ):
        got: dict[int, float] = {}
        arrived = threading.Event()
        sio = socketio.Client()

        @sio.on("pong")
        def _(data: dict) -> None:
            got[data["i"]] = time.perf_counter()
            arrived.set()

        sio.connect(f"http://127.0.0.1:{port}", transports=["websocket"], wait_timeout=10)
        emitter = SocketIO(message_queue=REDIS)
        out: list[float] = []
        try:
            for i in range(n + 10):
                arrived.clear()
                start = time.perf_counter()
                emitter.emit("pong", {"i": i})
                if not arrived.wait(10):
                    raise TimeoutError("bare emit never arrived")
                if i >= 10:
                    out.append((got[i] - start) * 1000)
        finally:
            sio.disconnect()
    return {"p50_ms": _percentile(out, 50), "p99_ms": _percentile(out, 99)}


def serve_bare_mq(port: int, redis_url: str) -> None:
    """Flask-SocketIO exactly as Murmur's scaled web process runs it, doing nothing else."""
    from flask import Flask
    from flask_socketio import SocketIO

    app = Flask("bare")
    sio = SocketIO(app, async_mode="threading", message_queue=redis_url, cors_allowed_origins=[])

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    sio.run(
        app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False
    )
