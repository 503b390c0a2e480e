"""Latency figures: webhook to Socket.IO client through a real `murmur serve`, and a bare Socket.IO floor."""

from __future__ import annotations

import contextlib
import json
import queue
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from web.bench.common import (
    _agents,
    _free_port,
    _percentile,
    _sqlite_inbox,
    _team_id,
    _workdir,
    texts,
)
from web.bench.servers import Server, clean_env, serve_sqlite


def _client(port: int, names: Sequence[str], auth: dict | None = None) -> tuple[Any, queue.Queue]:
    """A python-socketio client (websocket transport) putting `(event, payload, arrival time)` on a queue."""
    import socketio

    events: queue.Queue = queue.Queue()
    sio = socketio.Client()
    for name in names:
        sio.on(name, lambda data, _n=name: events.put((_n, data, time.perf_counter())))
    sio.connect(f"http://127.0.0.1:{port}", auth=auth, transports=["websocket"], wait_timeout=10)
    return sio, events


def _await(
    events: queue.Queue, want: dict[str, Callable[[Any], bool]], timeout: float = 5.0
) -> dict[str, float]:
    """Arrival times of each wanted event (name -> predicate on its payload)."""
    got: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(got) < len(want):
        try:
            name, data, at = events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"waited {timeout}s for {sorted(set(want) - set(got))}") from None
        if name in want and name not in got and want[name](data):
            got[name] = at
    return got


def webhook_latency(n: int = 1000, warmup: int = 20, workdir: Path | None = None) -> dict[str, float]:
    """Signed webhook POST to a real `murmur serve` (SQLite) until the event reaches a connected
    Socket.IO client: `message.created` (p50/p99, ms) and `conversation.assigned` at the agent the
    conversation was routed to. One message at a time, each from a repeat author in a new thread."""
    import httpx

    from connectors.webhook import sign
    from inbox.admin.agents import create_token
    from inbox.channels.accounts import create_channel

    with contextlib.ExitStack() as stack:
        path = workdir or stack.enter_context(_workdir())
        inbox = _sqlite_inbox(path)
        (agent_id,) = _agents(inbox, 1, capacity=n + warmup + 100)
        token = create_token(inbox, "bench0@example.com")
        channel, generated = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        inbox.engine.dispose()
        port = stack.enter_context(serve_sqlite(path)).port
        sio, events = _client(port, ("message.created", "conversation.assigned"), {"token": token})
        stack.callback(sio.disconnect)
        http = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10))
        url = f"/api/channels/{channel['id']}/webhook"
        corpus = texts(n + warmup, seed=4)
        created: list[float] = []
        assigned: list[float] = []
        for i, (text, lang) in enumerate(corpus):
            ext = f"w{i}"
            body = json.dumps(
                {
                    "id": ext,
                    "text": text,
                    "lang": lang,
                    "author": {"id": str(i % 50), "handle": f"user{i % 50}"},
                }
            ).encode()
            headers = sign(generated["webhook_secret"], body, int(time.time()))
            start = time.perf_counter()
            res = http.post(url, content=body, headers=headers)
            if res.status_code != 200:
                raise RuntimeError(f"webhook answered {res.status_code}: {res.text}")
            at = _await(
                events,
                {
                    "message.created": lambda d, _e=ext: d["message"]["external_id"] == _e,
                    "conversation.assigned": lambda d, _e=ext: (
                        d["conversation"]["id"] and d["assignee_id"] == agent_id
                    ),
                },
            )
            if i >= warmup:
                created.append((at["message.created"] - start) * 1000)
                assigned.append((at["conversation.assigned"] - start) * 1000)
    return {
        "messages": float(len(created)),
        "p50_ms": _percentile(created, 50),
        "p99_ms": _percentile(created, 99),
        "assigned_p50_ms": _percentile(assigned, 50),
        "assigned_p99_ms": _percentile(assigned, 99),
        "mean_ms": statistics.fmean(created),
    }


def serve_bare(port: int) -> None:
    """The baseline server: Flask-SocketIO exactly as Murmur runs it (on gunicorn), doing nothing but echo.

    `ping` is answered by emitting `pong`; `POST /emit` emits `pong` to every client."""
    from flask import Flask, request
    from flask_socketio import SocketIO, emit

    app = Flask("bare")
    sio = SocketIO(app, async_mode="threading", cors_allowed_origins=[])

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/emit")
    def emit_all() -> str:
        sio.emit("pong", request.get_json())
        return "{}"

    @sio.on("ping")
    def ping(data: Any) -> None:
        emit("pong", data)

    from web.server import run_gunicorn

    run_gunicorn(lambda: app, "127.0.0.1", port, threads=100)  # the server `murmur serve` runs on


def bare_round_trip(n: int = 1000, warmup: int = 20) -> dict[str, float]:
    """A bare Flask-SocketIO server in its own process: client emit -> server emit back (round trip),
    and HTTP POST -> server emit to the client (the webhook path minus Murmur), p50/p99 in ms."""
    import httpx

    port = _free_port()
    with contextlib.ExitStack() as stack:
        path = stack.enter_context(_workdir())
        code = f"from web.bench.latency import serve_bare; serve_bare({port})"
        stack.enter_context(
            Server([sys.executable, "-c", code], clean_env(), port, path / "bare.log", "/healthz")
        )
        sio, events = _client(port, ("pong",))
        stack.callback(sio.disconnect)
        http = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10))
        rtt: list[float] = []
        post: list[float] = []
        for i in range(n + warmup):
            start = time.perf_counter()
            sio.emit("ping", {"i": i})
            at = _await(events, {"pong": lambda d, _i=i: d["i"] == _i})["pong"]
            if i >= warmup:
                rtt.append((at - start) * 1000)
        for i in range(n + warmup):
            start = time.perf_counter()
            http.post("/emit", json={"i": -i - 1})
            at = _await(events, {"pong": lambda d, _i=-i - 1: d["i"] == _i})["pong"]
            if i >= warmup:
                post.append((at - start) * 1000)
    return {
        "messages": float(n),
        "p50_ms": _percentile(rtt, 50),
        "p99_ms": _percentile(rtt, 99),
        "post_p50_ms": _percentile(post, 50),
        "post_p99_ms": _percentile(post, 99),
    }


# --- report ----------------------------------------------------------------------------------------
