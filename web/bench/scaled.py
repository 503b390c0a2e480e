"""Scaled ingest on real processes: one channel drained by 1 worker, then by 2; server CPU per
message; webhook -> agent on another web process next to a bare emit through the same Redis.

Started with the test suite's `scaled_stack` (PostgreSQL + Redis + `murmur worker` + two
`murmur serve`), so the figures come from the deployment the scaled test checks.
CPU is read from /proc/<pid>/stat (user + system) of the web processes, the workers and the
PostgreSQL backends serving the benchmark's database.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from web.bench.common import _percentile, _workdir, texts

# Overridable so parallel runs (several engineers, the lead's full run) do not share a database.
DATABASE = os.environ.get("MURMUR_BENCH_SCALED_DB", "murmur_bench_scaled")
REDIS = os.environ.get("MURMUR_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it: `murmur serve` is gunicorn's arbiter, and the requests
    are served (and their CPU spent) in its worker child."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, ()))
    return out


class _Cpu:
    """CPU seconds spent by the given processes (with their children) and this database's
    PostgreSQL backends."""

    def __init__(self, url: str, pids: dict[str, list[int]]) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url.rsplit("/", 1)[0] + "/postgres")
        self.pids = pids

    def _backends(self) -> list[int]:
        from sqlalchemy import text

        with self.engine.connect() as c:
            return list(
                c.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                    {"d": DATABASE},
                ).scalars()
            )

    def sample(self) -> dict[str, dict[int, float]]:
        out = {
            role: {p: _cpu_seconds(p) for top in pids for p in _tree(top)} for role, pids in self.pids.items()
        }
        out["postgres"] = {p: _cpu_seconds(p) for p in self._backends()}
        return out

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {
            role: sum(v - before.get(role, {}).get(p, 0.0) for p, v in after[role].items()) for role in after
        }


def _messages(n: int, conversations: int, start: datetime) -> list[Any]:
    from connectors.types import Author, InboundMessage

    out = []
    for i, (body, lang) in enumerate(texts(n, seed=7)):
        thread = f"c{i % conversations}"
        out.append(
            InboundMessage(
                channel="webhook",
                external_id=f"m{i}",
                thread_key=thread,
                author=Author(thread, f"user_{thread}"),
                text=body,
                created_at=start + timedelta(milliseconds=i),
                language_hint=lang,
            )
        )
    return out


def _wait_drained(url: str, want: int, timeout: float) -> float:
    """Seconds until `want` messages are stored and nothing waits."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < timeout:
            with engine.connect() as c:
                stored = c.execute(text("SELECT count(*) FROM messages")).scalar()
                left = c.execute(text("SELECT count(*) FROM inbound_deliveries")).scalar()
            if stored >= want and left == 0:
                return time.perf_counter() - t0
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise TimeoutError(f"not drained in {timeout}s")


@contextlib.contextmanager
def _stack(path: Path, workers: int, cache: bool = True) -> Iterator[Any]:
    from tests.service.processes import scaled_stack

    extra = {} if cache else {"MURMUR_SETTINGS_CACHE": "0"}
    with scaled_stack(
        path, DATABASE, REDIS, webs=2, workers=workers, secret_key="bench-scaled", extra_env=extra
    ) as stack:
        yield stack


def drain_rate(workers: int, n: int = 2000, conversations: int = 200) -> dict[str, float]:
    """Messages a second that `workers` worker processes ingest from one channel's recorded
    deliveries (recorded before the drain starts, so only the drain is timed), and the CPU
    seconds per message of workers and PostgreSQL during it."""
    from celery import Celery

    from inbox.channels import inbound
    from inbox.channels.accounts import create_channel
    from inbox.store.context import Inbox

    with _workdir() as path, _stack(path, workers) as stack:
        # a starting worker sweeps again once a dead holder's lease could have run out: let that
        # pass first, so the drain starts only when timed
        time.sleep(inbound.LEASE.total_seconds() + 2)
        inbox = Inbox.from_url(stack.database_url, stack.secret_key)
        try:
            channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {})
            msgs = _messages(n, conversations, datetime.now(UTC))
            for i in range(0, n, 200):  # recorded as the web processes would, no task sent
                inbound.record(inbox, channel["id"], msgs[i : i + 200])
        finally:
            inbox.engine.dispose()
        cpu = _Cpu(stack.database_url, {"worker": [w.p.pid for w in stack.workers]})
        before = cpu.sample()
        celery: Celery = stack.celery  # type: ignore[assignment]
        celery.send_task("murmur.drain_due")  # fans out one task per lane
        seconds = _wait_drained(stack.database_url, n, timeout=600)
        spent = _Cpu.spent(before, cpu.sample())
        cpu.engine.dispose()
    return {
        "messages": float(n),
        "per_s": n / seconds,
        "worker_ms": spent["worker"] / n * 1000,
        "postgres_ms": spent["postgres"] / n * 1000,
    }


def webhook_figures(
    n: int = 600, senders: int = 4, latency_n: int = 300, cache: bool = True
) -> dict[str, float]:
    """With two workers running: signed webhooks posted by `senders` threads to both web
    processes (accepted per second, web CPU per message, end-to-end server CPU per message),
    then one at a time to web B with an agent's client on web A (message.created p50/p99).
    `cache=False` starts the processes with MURMUR_SETTINGS_CACHE=0 (every drain reads the
    rules, policies, agents and subscriptions again), for the comparison in the same run."""
    import httpx
    import socketio
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
        corpus = texts(n + latency_n, seed=9)

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

        cpu = _Cpu(
            stack.database_url,
            {
                "web": [p.p.pid for p in stack.procs if p.log.name.startswith("web")],
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
        after_all = cpu.sample()
        web = _Cpu.spent(before, after_accept)["web"]
        total = sum(_Cpu.spent(before, after_all).values())
        cpu.engine.dispose()

        events: list[tuple[str, float]] = []
        arrived = threading.Event()
        sio = socketio.Client()

        @sio.on("message.created")
        def _(data: dict) -> None:
            events.append((data["message"]["external_id"], time.perf_counter()))
            arrived.set()

        sio.connect(
            f"http://127.0.0.1:{port_a}", auth={"token": token}, transports=["websocket"], wait_timeout=10
        )
        lat: list[float] = []
        answered: list[float] = []  # the POST's own time: verify, record, wake (web B only)
        walls: dict[str, float] = {}  # wall clock at each POST, against the worker's received_at
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port_b}", timeout=30) as http:
                for i in range(n, n + latency_n):
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
        to_ingest = _to_ingest(stack.database_url, walls)
    warm, posted = lat[10:], answered[10:]
    # where the time goes: the POST answered; then until the worker's batch began (wake-up, the
    # drain thread's pickup, the lane's claim); then ingest, commit, emit and Socket.IO to web A
    keys = [f"w{i}" for i in range(n, n + latency_n)][10:]
    pickup = [to_ingest[k] - a for k, a in zip(keys, posted, strict=True)]
    after = [t - to_ingest[k] for k, t in zip(keys, warm, strict=True)]
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
    }


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


def _settings(inbox: Any, supervisor: int) -> None:
    """The default rules and labels, an SLA policy and four online agents of the team: what each
    drain reads (or keeps, see inbox.store.settings_cache) and routes to."""
    from inbox.admin.agents import create_agent, set_presence
    from inbox.automation.sla_service import save_policy
    from inbox.channels.demo import seed_defaults

    seed_defaults(inbox)
    save_policy(inbox, supervisor, {"name": "standard", "first_response_minutes": 60})
    for i in range(4):
        agent = create_agent(
            inbox, f"agent{i}@example.com", "long enough password", "agent", teams=["Support"]
        )
        set_presence(inbox, agent, "online")


def bare_redis_emit(n: int = 300) -> dict[str, float]:
    """A bare Flask-SocketIO server with the same Redis message queue; this process emits through
    Redis (as a worker does) and the client connected to the server receives: p50/p99 in ms."""
    import sys

    import socketio
    from flask_socketio import SocketIO

    from web.bench.common import _free_port
    from web.bench.servers import Server, clean_env

    port = _free_port()
    code = f"from web.bench.scaled import serve_bare_mq; serve_bare_mq({port}, {REDIS!r})"
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


def scaled_figures(quick: bool = False) -> dict[str, float]:
    """Every scaled figure; needs PostgreSQL on 127.0.0.1 and Redis (MURMUR_BENCH_REDIS_URL)."""
    n = 300 if quick else 2000
    one = drain_rate(1, n)
    two = drain_rate(2, n)
    uncached = webhook_figures(100 if quick else 600, latency_n=50 if quick else 300, cache=False)
    hooks = webhook_figures(100 if quick else 600, latency_n=50 if quick else 300)
    bare = bare_redis_emit(50 if quick else 300)
    from web.bench.scaled_concurrency import drain_statements, webhook_beside_dashboard

    drain = drain_statements(10 if quick else 30)

    dash = webhook_beside_dashboard(50 if quick else 200, 5000 if quick else 20_000)
    return {
        "one_per_s": one["per_s"],
        "two_per_s": two["per_s"],
        "one_worker_ms": one["worker_ms"],
        "one_postgres_ms": one["postgres_ms"],
        "two_worker_ms": two["worker_ms"],
        "two_postgres_ms": two["postgres_ms"],
        **hooks,
        **{f"uncached_{k}": v for k, v in uncached.items()},
        **{f"dash_{k}": v for k, v in dash.items()},
        **{f"drain_{k}": v for k, v in drain.items()},
        "bare_p50_ms": bare["p50_ms"],
        "bare_p99_ms": bare["p99_ms"],
        "messages": float(n),
    }


def scaled_report(quick: bool = False) -> list[Any]:
    """The scaled lines of the report (`python -m web.bench --scaled [--quick]`)."""
    from web.bench.common import Figure

    load_before = os.getloadavg()[0]
    f = scaled_figures(quick)
    load_after = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    per_msg_one = f["one_worker_ms"] + f["one_postgres_ms"]
    delay = f["dash_beside_max_ms"] - f["dash_alone_p50_ms"]
    return [
        Figure(
            "(s) machine load average (1 min), start / end",
            load_before,
            "",
            note=f"end {load_after:.1f} on {cores} cores: every figure below shares the machine; on a busy "
            "one each wait for a core (a round trip to PostgreSQL, a wake-up) adds to the latencies",
        ),
        Figure(
            "(s) scaled ingest, one channel, 1 worker",
            f["one_per_s"],
            "msg/s",
            note=f"{f['messages']:.0f} recorded webhook messages in 200 conversations drained by `murmur worker` "
            "processes from PostgreSQL; only the drain is timed",
        ),
        Figure(
            "(s) scaled ingest, one channel, 2 workers",
            f["two_per_s"],
            "msg/s",
            f["one_per_s"],
            "1 worker",
            ">= 1.70x" if cores >= 4 else f">= 1.70x (needs the cores; this machine has {cores})",
            f["two_per_s"] >= 1.7 * f["one_per_s"] if cores >= 4 else None,
        ),
        Figure(
            "    worker + PostgreSQL CPU per message, 1 worker",
            per_msg_one,
            "ms",
            target="<= 5 ms",
            ok=per_msg_one <= 5,
        ),
        Figure(
            "    worker + PostgreSQL CPU per message, 2 workers",
            f["two_worker_ms"] + f["two_postgres_ms"],
            "ms",
        ),
        Figure(
            "(s) statements per drain of one new webhook message",
            f["drain_cached_statements"],
            "",
            f["drain_uncached_statements"],
            "settings read every drain",
            note="each a round trip to PostgreSQL; a drain in this process, median (web/bench/scaled_concurrency.py)",
        ),
        Figure(
            "    wall time of that drain, median",
            f["drain_cached_wall_ms"],
            "ms",
            f["drain_uncached_wall_ms"],
            "settings read every drain",
        ),
        Figure(
            "(s) server CPU per message, settings read every drain",
            f["uncached_server_ms"],
            "ms",
            note="the same webhooks, processes started with MURMUR_SETTINGS_CACHE=0 (as before the cache): "
            "rules, SLA policies, agents and subscriptions read by every drain",
        ),
        Figure(
            "    webhook on B -> agent on A p50 / p99, settings read every drain",
            f["uncached_p50_ms"],
            "ms",
            note=f"p99 {f['uncached_p99_ms']:.1f} ms",
        ),
        Figure("(s) webhooks accepted (202), 2 web processes", f["accepted_per_s"], "msg/s"),
        Figure("    web CPU per accepted webhook", f["web_ms"], "ms"),
        Figure(
            "(s) server CPU per message, webhook to stored",
            f["server_ms"],
            "ms",
            f["uncached_server_ms"],
            "settings read every drain",
            target="<= 5 ms",
            ok=f["server_ms"] <= 5,
            note="web processes + workers + PostgreSQL backends, from /proc/<pid>/stat, over the whole path",
        ),
        Figure(
            "(s) webhook on B -> agent on A p50", f["p50_ms"], "ms", f["bare_p50_ms"], "bare emit via Redis"
        ),
        Figure("    webhook on B -> agent on A p90", f["p90_ms"], "ms"),
        Figure(
            "    of which web B's answer (202) p50 / p99",
            f["answered_p50_ms"],
            "ms",
            note=f"p99 {f['answered_p99_ms']:.1f} ms; the rest is the wake-up, the worker's drain "
            "(one transaction) and the emit through Redis to web A",
        ),
        Figure(
            "    of which 202 -> the worker's batch begins p50 / p99",
            f["pickup_p50_ms"],
            "ms",
            note=f"p99 {f['pickup_p99_ms']:.1f} ms: the wake-up (Redis list), the drain thread's pickup, "
            "the lane's claim (from the message's received_at)",
        ),
        Figure(
            "    of which batch begins -> agent on A p50 / p99",
            f["after_p50_ms"],
            "ms",
            note=f"p99 {f['after_p99_ms']:.1f} ms: ingest, commit, the emit through Redis, web A's send",
        ),
        Figure("    webhook on B -> agent on A max", f["max_ms"], "ms"),
        Figure(
            "(s) webhook on B -> agent on A p99",
            f["p99_ms"],
            "ms",
            f["bare_p99_ms"],
            "bare emit via Redis",
            "<= 20 ms",
            f["p99_ms"] <= 20,
            "one POST at a time to web B, a python-socketio client with a token on web A; bare = this "
            "process emitting through the same Redis to a bare Flask-SocketIO server's client",
        ),
        Figure(
            "(s) webhook answer (202) on web B beside a 365-day dashboard on web B, p99",
            f["dash_beside_p99_ms"],
            "ms",
            f["dash_alone_p99_ms"],
            "alone",
            note=f"p50 {f['dash_beside_p50_ms']:.1f} ms (alone {f['dash_alone_p50_ms']:.1f}); "
            f"{f['dash_dashboards']:.0f} dashboards of {f['dash_history']:.0f} messages ran meanwhile, "
            f"mean {f['dash_dashboard_mean_ms']:.0f} ms (web/bench/scaled_concurrency.py)",
        ),
        Figure(
            "    worst webhook beside the dashboard, over the alone p50",
            delay,
            "ms",
            target="<= 100 ms",
            ok=delay <= 100,
        ),
        Figure(
            "(s) webhook answer (202) on web B beside a 365-day dashboard on web A, p99",
            f["dash_apart_p99_ms"],
            "ms",
            f["dash_alone_p99_ms"],
            "alone",
            note=f"p50 {f['dash_apart_p50_ms']:.1f} ms, worst {f['dash_apart_max_ms']:.1f} ms: webhooks on "
            "web processes of their own (the proxy routes /api/channels/*/webhook), dashboards elsewhere",
        ),
        Figure(
            "    worst webhook beside the dashboard on web A, over the alone p50",
            f["dash_apart_max_ms"] - f["dash_alone_p50_ms"],
            "ms",
            target="<= 100 ms",
            ok=f["dash_apart_max_ms"] - f["dash_alone_p50_ms"] <= 100,
        ),
        Figure(
            "    answers other than 2xx (webhooks and dashboards)",
            f["dash_not_2xx"],
            "",
            target="0",
            ok=f["dash_not_2xx"] == 0,
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - `python -m web.bench.scaled [--quick]`
    import sys

    print(json.dumps(scaled_figures("--quick" in sys.argv), indent=2))
