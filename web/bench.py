"""`murmur bench`: throughput and latency figures, each next to a baseline measured in the same run.

A figure alone says little about a machine we have not seen, so every line pairs it with a
reference taken here and now: the pipeline against raw vaderSentiment on the same texts, the
webhook-to-browser latency against a bare Socket.IO round trip, polling against the pipeline.
Benchmarks are not tests; `tests/service/test_bench_smoke.py` only checks that each function
returns positive numbers.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import queue
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET = "murmur-bench-secret"


@dataclass(frozen=True)
class Figure:
    """One line of the report: a measured value, its same-run baseline and their ratio."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


# --- texts ---------------------------------------------------------------------------------------

_ENGLISH = (
    "Where is my order? It's been two weeks.",
    "Thanks so much, the replacement arrived today and works great!",
    "Your app keeps crashing when I try to pay. Fix it please.",
    "I was charged twice for the same order, I want a refund now.",
    "Not bad at all, delivery was quicker than I expected :)",
    "Still waiting for a reply... this is the third time I ask.",
    "Love the new colours, ordering another one for my sister",
    "Worst customer service ever. Never buying from you again!!!",
    "Can I change the delivery address for order {n}?",
    "The headphones are fine but the case broke after a week.",
    "Hi, do you ship to Canada?",
    "My lawyer will hear about this if I don't get my money back.",
)


def texts(n: int, seed: int = 1) -> list[tuple[str, str | None]]:
    """`n` short realistic texts with their language hints: the bundled demo mentions (English,
    Chinese, Thai) and English support phrases, varied so no two in a row are identical."""
    demo = ROOT / "connectors" / "data" / "demo_messages.jsonl"
    base: list[tuple[str, str | None]] = [(t, "en") for t in _ENGLISH]
    if demo.exists():
        for line in demo.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                base.append((row["text"], row.get("lang")))
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text, lang = base[i % len(base)] if i < len(base) else rng.choice(base)
        text = text.replace("{n}", f"#{rng.randint(1000, 9999)}")
        if rng.random() < 0.3:
            text = f"{text} (order #{rng.randint(1000, 99999)})"
        out.append((text, lang))
    return out


def english_texts(n: int, seed: int = 2) -> list[str]:
    """English texts only, for the scorer comparison (VADER is an English model)."""
    return [t for t, lang in texts(n * 3, seed) if lang == "en"][:n]


# --- helpers -------------------------------------------------------------------------------------


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="murmur-bench-") as d:
        yield Path(d)


def _sqlite_inbox(path: Path) -> Any:
    """A migrated SQLite database with the default rules, built through the real app factory
    (so events go through the Socket.IO publisher and the outbound-webhook hook, as in production)."""
    from inbox.demo import seed_defaults
    from inbox.schema import upgrade
    from web.app import create_app
    from web.config import Config

    url = f"sqlite:///{path / 'bench.db'}"
    upgrade(url)
    app = create_app(
        Config(database_url=url, redis_url=None, secret_key=SECRET, scheduler=False, instance_path=str(path))
    )
    inbox = app.extensions["murmur.inbox"]
    seed_defaults(inbox)
    return inbox


def _agents(inbox: Any, n: int, capacity: int) -> list[int]:
    """`n` online agents in the Support team, speaking the corpus's languages, with room for every
    conversation the run makes (so each new conversation is routed, not queued)."""
    from inbox.agents import create_agent, set_presence

    ids = []
    for i in range(n):
        aid = create_agent(
            inbox,
            f"bench{i}@example.com",
            "bench password long",
            "agent",
            f"Bench {i}",
            ["Support"],
            ["en", "zh-Hans", "zh-Hant", "th"],
            capacity,
        )
        set_presence(inbox, aid, "online")
        ids.append(aid)
    return ids


def _team_id(inbox: Any, name: str = "Support") -> int:
    from sqlalchemy import select

    from inbox.models import Team

    with inbox.read() as s:
        return s.scalar(select(Team.id).where(Team.name == name))


def _inbound(corpus: Sequence[tuple[str, str | None]], authors: int, seed: int = 3) -> list[Any]:
    """InboundMessages over `corpus`: a pool of repeat authors, half DMs (one thread per author),
    half public mentions (one thread each), timestamps a second apart."""
    from connectors.types import Author, InboundMessage

    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(seconds=len(corpus))
    out = []
    for i, (text, lang) in enumerate(corpus):
        a = rng.randrange(authors)
        dm = rng.random() < 0.5
        # an author's audience is a property of the author, not of each message
        author = Author(str(a), f"user{a}", f"User {a}", followers=(0, 12, 150, 2400, 25000)[a % 5])
        out.append(
            InboundMessage(
                "webhook",
                f"m{i}",
                f"dm-{a}" if dm else f"m{i}",
                author,
                text,
                start + timedelta(seconds=i),
                language_hint=lang,
                public=not dm,
            )
        )
    return out


def _warm_scorers(corpus: Sequence[tuple[str, str | None]]) -> None:
    """Load each language's scorer once (jieba's dictionary takes about a second), outside timings."""
    import sentiment

    for text, lang in {lang: (t, lang) for t, lang in corpus}.values():
        sentiment.score(text, lang)


# --- (a) pipeline throughput -----------------------------------------------------------------------


def pipeline_rate(
    n: int = 6000,
    batch: int = 250,
    workdir: Path | None = None,
    profiler: Any = None,
    english_only: bool = False,
) -> dict[str, float]:
    """Messages per second through `inbox.pipeline.ingest` on a fresh SQLite file, with raw VADER's
    rate on the same texts and their ratio. Stored, scored, ranked, ruled, routed and emitted.

    The default corpus mixes English, Chinese and Thai like the demo feed; `english_only` keeps
    the English texts, where VADER does real work too (on CJK it skips nearly everything)."""
    from inbox.channels import create_channel
    from inbox.pipeline import ingest

    with contextlib.ExitStack() as stack:
        path = workdir or stack.enter_context(_workdir())
        inbox = _sqlite_inbox(path)
        _agents(inbox, 5, capacity=n + 100)
        channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        corpus = [(t, "en") for t in english_texts(n)] if english_only else texts(n)
        messages = _inbound(corpus, authors=max(3, n // 3))
        # First-call costs stay out of the timing, as for VADER: one message per language loads
        # the lexicons and dictionaries (jieba's takes about a second), and compiles the rules.
        warm = list({lang: i for i, (_, lang) in reversed(list(enumerate(corpus)))}.values())
        ingest(inbox, channel["id"], [messages[i] for i in warm])
        skip = set(warm)
        timed = [m for i, m in enumerate(messages) if i not in skip]
        # Each batch is ingested and then scored by raw VADER, so both sides see the same texts at
        # the same moment: on a busy machine neither gets the quieter minute.
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        analyzer.polarity_scores(corpus[0][0])
        t_ingest = t_vader = 0.0
        for i in range(0, len(timed), batch):
            chunk = timed[i : i + batch]
            if profiler is not None:
                profiler.enable()
            start = time.perf_counter()
            ingest(inbox, channel["id"], chunk)
            t_ingest += time.perf_counter() - start
            if profiler is not None:
                profiler.disable()
            start = time.perf_counter()
            for m in chunk:
                analyzer.polarity_scores(m.text)
            t_vader += time.perf_counter() - start
        inbox.engine.dispose()
    return {
        "messages": float(len(timed)),
        "batch": float(batch),
        "pipeline_per_s": len(timed) / t_ingest,
        "vader_per_s": len(timed) / t_vader,
        "ratio": t_vader / t_ingest,
    }


def profile_pipeline(n: int = 3000, batch: int = 250, top: int = 25) -> str:
    """cProfile of `pipeline_rate`'s timed ingest loop only, top functions by own time (for `--profile`)."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    pipeline_rate(n, batch, profiler=prof)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- (c) sentiment ---------------------------------------------------------------------------------


def sentiment_rate(n: int = 400, seconds: float = 3.0) -> dict[str, float]:
    """Our English scorer against raw VADER on the same English texts (sentiment.bench)."""
    from sentiment.bench import compare_with_raw_vader

    return compare_with_raw_vader(english_texts(n), seconds=seconds, rounds=3)


# --- (d) rules -------------------------------------------------------------------------------------


def rule_rate(n_rules: int = 100, messages: int = 2000) -> float:
    """Messages per second through `escalation.evaluate` with `n_rules` enabled rules."""
    from inbox.bench_rules import rule_eval_rate

    return rule_eval_rate(n_rules=n_rules, messages=messages)


# --- (d) polling from a stand-in Mastodon --------------------------------------------------------


def _mastodon_standin() -> Any:
    """The Mastodon stand-in lives with the tests (not packaged); None when it is not there."""
    if not (ROOT / "tests" / "standins" / "mastodon.py").exists():
        return None
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.standins.mastodon import MastodonStandIn

    return MastodonStandIn


def mastodon_poll_rate(n: int = 2000, workdir: Path | None = None) -> dict[str, float] | None:
    """Messages per second polled from a local Mastodon stand-in (HTTP, paging, parsing) and ingested."""
    from inbox.channels import create_channel
    from inbox.polling import poll

    standin_cls = _mastodon_standin()
    if standin_cls is None:
        return None
    corpus = texts(n, seed=5)
    with contextlib.ExitStack() as stack:
        path = workdir or stack.enter_context(_workdir())
        inbox = _sqlite_inbox(path)
        _agents(inbox, 5, capacity=n + 100)
        m = stack.enter_context(standin_cls(token="bench-token"))
        channel, _ = create_channel(
            inbox,
            None,
            "mastodon",
            "bench",
            {"base_url": m.base_url, "page_size": 80, "max_pages": n // 80 + 5},
            {"access_token": "bench-token"},
            _team_id(inbox),
        )
        poll(inbox, channel["id"], force=True)  # the first poll only sets the high-water mark
        _warm_scorers(corpus)
        for i, (text, _) in enumerate(corpus):
            m.add_mentions(1, account=f"fan{i % max(3, n // 3)}", text=text.replace("<", " "))
        stored, start = 0, time.perf_counter()
        while stored < n:
            report = poll(inbox, channel["id"], force=True)
            if report.stored == 0:
                raise RuntimeError(f"polling stalled at {stored}/{n}: {report.status} {report.error}")
            stored += report.stored
        elapsed = time.perf_counter() - start
        inbox.engine.dispose()
    return {"messages": float(n), "poll_ingest_per_s": n / elapsed, "requests": float(len(m.requests))}


# --- (b) latency through a real web process --------------------------------------------------------


class _Server:
    """A child process serving HTTP + Socket.IO on `port`, stopped on exit whatever happens."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, log: Path, health: str) -> None:
        self.port, self.log = port, log
        self._fh = log.open("wb")
        self.proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}{health}", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{args[0]} did not come up on {port}:\n{log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self._fh.close()

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MURMUR_")}
    env.update(extra)
    return env


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
    from inbox.agents import create_token
    from inbox.channels import create_channel

    murmur = str(Path(sys.executable).parent / "murmur")
    with contextlib.ExitStack() as stack:
        path = workdir or stack.enter_context(_workdir())
        inbox = _sqlite_inbox(path)
        (agent_id,) = _agents(inbox, 1, capacity=n + warmup + 100)
        token = create_token(inbox, "bench0@example.com")
        channel, generated = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        inbox.engine.dispose()
        port = _free_port()
        env = _clean_env(
            MURMUR_DATABASE_URL=f"sqlite:///{path / 'bench.db'}",
            MURMUR_SECRET_KEY=SECRET,
            MURMUR_SCHEDULER="0",
            MURMUR_INSTANCE_PATH=str(path),
        )
        stack.enter_context(
            _Server([murmur, "serve", "--port", str(port)], env, port, path / "serve.log", "/healthz")
        )
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
    """The baseline server: Flask-SocketIO exactly as Murmur runs it, doing nothing but echo.

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

    sio.run(
        app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False
    )


def bare_round_trip(n: int = 1000, warmup: int = 20) -> dict[str, float]:
    """A bare Flask-SocketIO server in its own process: client emit -> server emit back (round trip),
    and HTTP POST -> server emit to the client (the webhook path minus Murmur), p50/p99 in ms."""
    import httpx

    port = _free_port()
    with contextlib.ExitStack() as stack:
        path = stack.enter_context(_workdir())
        code = f"from web.bench import serve_bare; serve_bare({port})"
        stack.enter_context(
            _Server([sys.executable, "-c", code], _clean_env(), port, path / "bare.log", "/healthz")
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


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def table(figures: Sequence[Figure]) -> str:
    """One line per figure: value, baseline, ratio, target and whether it is met."""
    rows = [("figure", "value", "baseline (same run)", "ratio", "target", "")]
    for f in figures:
        rows.append(
            (
                f.name,
                f"{f.value:,.1f} {f.unit}",
                f"{f.baseline:,.1f} {f.unit} {f.baseline_name}".strip() if f.baseline is not None else "-",
                f"{f.ratio:.2f}x" if f.ratio is not None else "-",
                f.target or "-",
                "" if f.ok is None else ("ok" if f.ok else "MISSED"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def run_all(quick: bool = False, out: Callable[[str], Any] = print) -> list[Figure]:
    """Measure every figure (smaller runs with `quick`), print the table and return the figures."""
    n_pipe, batch, n_lat, n_poll = (200, 50, 50, 100) if quick else (6000, 250, 1000, 2000)
    out(f"murmur bench{' --quick' if quick else ''}: {machine()}")
    out(f"started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC; every baseline is measured in this run\n")

    def step(label: str, fn: Callable[[], Any]) -> Any:
        out(f"  measuring {label} ...")
        sys.stdout.flush()
        t = time.perf_counter()
        value = fn()
        out(f"    done in {time.perf_counter() - t:.1f}s")
        return value

    pipe = step("pipeline throughput, mixed languages", lambda: pipeline_rate(n_pipe, batch))
    pipe_en = step("pipeline throughput, English", lambda: pipeline_rate(n_pipe, batch, english_only=True))
    lat = step("webhook -> Socket.IO latency", lambda: webhook_latency(n_lat))
    bare = step("bare Socket.IO round trip", lambda: bare_round_trip(n_lat))
    sent = step("English sentiment", lambda: sentiment_rate(100 if quick else 400, 0.6 if quick else 3.0))
    rules = step("rule evaluation", lambda: rule_rate(100, 300 if quick else 3000))
    mast = step("Mastodon stand-in poll + ingest", lambda: mastodon_poll_rate(n_poll))

    vader, rtt = "raw VADER", "bare emit RTT"
    figures = [
        Figure(
            "(a) ingest, mixed en/zh/th",
            pipe["pipeline_per_s"],
            "msg/s",
            pipe["vader_per_s"],
            vader,
            ">= 0.20x",
            pipe["ratio"] >= 0.2,
            f"{pipe['messages']:.0f} messages in batches of {pipe['batch']:.0f}, fresh SQLite file, repeat "
            "authors, half DMs, 5 online agents, default rules; VADER scores each batch right after it",
        ),
        Figure(
            "(a) ingest, English only",
            pipe_en["pipeline_per_s"],
            "msg/s",
            pipe_en["vader_per_s"],
            vader,
            ">= 0.20x",
            pipe_en["ratio"] >= 0.2,
        ),
        Figure("(b) webhook -> message.created p50", lat["p50_ms"], "ms", bare["p50_ms"], rtt),
        Figure(
            "(b) webhook -> message.created p99",
            lat["p99_ms"],
            "ms",
            bare["p99_ms"],
            rtt,
            "< 100 ms",
            lat["p99_ms"] < 100,
            f"{lat['messages']:.0f} signed POSTs, one at a time, to `murmur serve` on SQLite; a python-socketio "
            "client (websocket) with a token; bare = Flask-SocketIO echo server in its own process",
        ),
        Figure("    bare POST -> emit p50 (reference)", bare["post_p50_ms"], "ms"),
        Figure("    bare POST -> emit p99 (reference)", bare["post_p99_ms"], "ms"),
        Figure(
            "(c) sentiment.score, English",
            sent["ours_per_s"],
            "texts/s",
            sent["raw_vader_per_s"],
            vader,
            ">= 1.00x",
            sent["ratio"] >= 1.0,
        ),
        Figure("(d) escalation.evaluate, 100 rules", rules, "msg/s"),
        Figure("(d) webhook -> conversation.assigned p50", lat["assigned_p50_ms"], "ms", bare["p50_ms"], rtt),
        Figure("(d) webhook -> conversation.assigned p99", lat["assigned_p99_ms"], "ms", bare["p99_ms"], rtt),
    ]
    if mast is not None:
        figures.append(
            Figure(
                "(d) poll + ingest, Mastodon stand-in",
                mast["poll_ingest_per_s"],
                "msg/s",
                pipe["pipeline_per_s"],
                "ingest only",
                note=f"{mast['messages']:.0f} mentions, "
                f"{mast['requests']:.0f} HTTP requests (pages of 80); baseline = (a) mixed",
            )
        )
    out("")
    out(table(figures))
    return figures


def main() -> None:  # pragma: no cover - `python -m web.bench [--quick|--profile]`
    if "--profile" in sys.argv:
        print(profile_pipeline())
    else:
        run_all(quick="--quick" in sys.argv)


if __name__ == "__main__":  # pragma: no cover
    main()
