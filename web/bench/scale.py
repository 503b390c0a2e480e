"""`murmur bench-scale`: the inbox after a year of a mid-size brand's traffic (issue 22).

Every figure is taken through the HTTP API of a real `murmur serve` process on a fresh copy of
the one-year database (`web.bench.year`), next to limits measured in the same run:

* the same SQL run bare: the statements the service issues for that request are captured once
  in-process and replayed through the raw driver connection, so the ratio shows what the code
  around the query costs;
* a bare endpoint (`/healthz`: Flask, auth-free, one `SELECT 1`) for the floor of a request;
* a plain `count(*)` over the rows a dashboard period covers;
* ingest on the same year next to ingest on an empty database.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from web.bench.common import SECRET, Figure, _free_port, _percentile, _workdir
from web.bench.year import KEEP, Keep, Shape, build_years, drop_postgresql, postgresql_copy, sqlite_copy

SEARCH_TERMS = ("refund", "退款", "ขอบคุณ")


# --- capturing and replaying a service's SQL ----------------------------------------------------


@contextlib.contextmanager
def captured(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) pairs run on `engine` inside the block, as the driver saw them."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def bare_sql_ms(engine: Any, statements: Sequence[tuple[str, Any]], n: int) -> list[float]:
    """Milliseconds to run `statements` bare (driver cursor, rows fetched), `n` times."""
    raw = engine.raw_connection()
    try:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            cur = raw.cursor()
            for statement, params in statements:
                cur.execute(statement, params)
                cur.fetchall()
            cur.close()
            raw.rollback()
            times.append((time.perf_counter() - t) * 1000)
        return times
    finally:
        raw.close()


# --- the server under test ----------------------------------------------------------------------


@contextlib.contextmanager
def served(
    url: str, workdir: Path, tree: Path | None = None, env: dict[str, str] | None = None, worker: bool = False
) -> Iterator[tuple[str, int]]:
    """A real `murmur serve` process on `url` (no scheduler); yields its base URL and pid (the
    gunicorn worker's with `worker`). `tree` serves another checkout's code (a baseline's), `env`
    adds settings."""
    import requests

    port = _free_port()
    environ = {
        **os.environ,
        "MURMUR_DATABASE_URL": url,
        "MURMUR_SECRET_KEY": SECRET,
        "MURMUR_SCHEDULER": "0",
        "MURMUR_INSTANCE_PATH": str(workdir),
        "MURMUR_PORT": str(port),
        **({"PYTHONPATH": str(tree)} if tree else {}),
        **(env or {}),
    }
    environ.pop("MURMUR_REDIS_URL", None)
    log_path = workdir / f"serve-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", "serve"],
        env=environ,
        cwd=tree,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"murmur serve did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split() if worker else []
        yield base, int(children[0]) if children else proc.pid
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()
        log.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def http_ms(session: Any, url: str, n: int, params: dict | None = None) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.get(url, params=params, timeout=600)
        r.raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
    return times


# --- one backend --------------------------------------------------------------------------------


def _app(url: str, workdir: Path) -> Any:
    from web.app import create_app
    from web.config import Config

    return create_app(
        Config(
            database_url=url, redis_url=None, secret_key=SECRET, scheduler=False, instance_path=str(workdir)
        )
    )


def _subjects(inbox: Any) -> dict[str, Any]:
    """The supervisor who asks, the busiest team, and conversations of 200 and of the most messages."""
    from sqlalchemy import func, select

    from inbox.admin.agents import create_agent, create_token
    from inbox.store.models import UNRESOLVED, Conversation

    email = f"bench-{time.time_ns()}@year.test"
    agent = create_agent(inbox, email, "bench password long", "supervisor", "Bench", [], ["en"], 10)
    with inbox.read() as s:
        team = s.execute(
            select(Conversation.team_id, func.count())
            .where(Conversation.status.in_(UNRESOLVED))
            .group_by(Conversation.team_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        c200 = s.scalar(select(Conversation.id).where(Conversation.message_count >= 150).limit(1))
        longest = s.scalar(select(Conversation.id).order_by(Conversation.message_count.desc()).limit(1))
    return {
        "agent": agent,
        "token": create_token(inbox, email),
        "team": team[0],
        "team_open": team[1],
        "c200": c200,
        "longest": longest,
    }


def measure(
    url: str, workdir: Path, label: str, n: int, out: Callable[[str], Any], shape: Shape, keep: Keep = KEEP
) -> list[Figure]:
    """Every figure for one database: HTTP p50/p95 next to the bare SQL and the bare endpoint."""
    import requests

    from inbox.conversations import service as conversations
    from inbox.search import service as search

    app = _app(url, workdir)
    inbox = app.extensions["murmur.inbox"]
    who = _subjects(inbox)
    figures: list[Figure] = []

    def pair(name: str, http: list[float], bare: list[float], pct: float, target: str, limit: float) -> None:
        value, base = _percentile(http, pct), _percentile(bare, pct)
        figures.append(
            Figure(f"{label} {name} p{pct:.0f}", value, "ms", base, "bare SQL", target, value <= limit)
        )

    with served(url, workdir) as (base, pid), requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {who['token']}"
        floor = http_ms(http, f"{base}/healthz", n)
        figures.append(Figure(f"{label} bare endpoint (/healthz) p95", _percentile(floor, 95), "ms"))

        out(f"    {label}: ranked list, team of {who['team_open']:,} unresolved")
        f = conversations.ListFilter(team=who["team"], limit=50)
        with captured(inbox.engine) as sql:
            conversations.list_conversations(inbox, who["agent"], f)
        api = http_ms(http, f"{base}/api/conversations", n, {"team": who["team"], "limit": 50})
        pair("ranked list, one team", api, bare_sql_ms(inbox.engine, sql, n), 95, "<= 10 ms", 10)

        for name, cid in (("conversation of 200", who["c200"]), ("longest conversation", who["longest"])):
            if cid is None:
                continue
            with captured(inbox.engine) as sql:
                conversations.get_conversation(inbox, who["agent"], cid)
            api = http_ms(http, f"{base}/api/conversations/{cid}", max(5, n // 4))
            pair(name, api, bare_sql_ms(inbox.engine, sql, max(5, n // 4)), 95, "<= 20 ms", 20)

        for term in SEARCH_TERMS:
            out(f"    {label}: search {term}")
            with captured(inbox.engine) as sql:
                search.search(inbox, who["agent"], term, 20)
            api = http_ms(http, f"{base}/api/search", max(5, n // 4), {"q": term})
            pair(f"search {term}", api, bare_sql_ms(inbox.engine, sql, max(5, n // 4)), 95, "<= 100 ms", 100)

        idle = rss_mb(pid)
        for days in (30, 365):
            out(f"    {label}: dashboard, {days} days")
            now = datetime.now(UTC)
            params = {"from": (now - timedelta(days=days)).isoformat(), "to": now.isoformat()}
            api = http_ms(http, f"{base}/api/dashboard", 3, params)
            count = _plain_count(inbox, now - timedelta(days=days), now)
            value, baseline = sorted(api)[1], sorted(count)[1]
            figures.append(
                Figure(
                    f"{label} dashboard, {days} days", value, "ms", baseline, "plain count(*)",
                    "<= 1 s, <= 2x" if days == 365 else "", (value <= 1000 and value <= 2 * baseline)
                    if days == 365 else None,
                    f"web process {idle:,.0f} MB idle, {rss_mb(pid):,.0f} MB after" if days == 365 else "",
                )
            )  # fmt: skip
    from web.bench.scale_ingest import ingest_figures

    figures += ingest_figures(app, inbox, workdir, label, n, shape, f"{keep.prefix}_empty")
    inbox.engine.dispose()
    return figures


def _plain_count(inbox: Any, since: datetime, until: datetime) -> list[float]:
    from sqlalchemy import text

    times = []
    with inbox.engine.connect() as c:
        for _ in range(3):
            t = time.perf_counter()
            c.execute(
                text(
                    "SELECT count(*) FROM messages WHERE direction = 'in' AND created_at >= :a AND created_at < :b"
                ),
                {"a": since.replace(tzinfo=None), "b": until.replace(tzinfo=None)},
            ).scalar()
            times.append((time.perf_counter() - t) * 1000)
    return times


def run_scale(
    backends: Sequence[str] = ("sqlite", "postgresql"), shape: Shape | None = None, n: int = 40,
    out: Callable[[str], Any] = print, keep: Keep = KEEP,
) -> list[Figure]:  # fmt: skip
    """Build (or reuse) the year on each backend, measure it, print the table, return the figures."""
    from web.bench.report import machine, table

    shape = shape or Shape()
    out(f"murmur bench-scale: {machine()}")
    out(f"the year: {shape.messages:,} messages, {shape.conversations:,} conversations, {shape.days} days, "
        f"{shape.teams} teams, {shape.agents} agents, {shape.resolved_share:.0%} resolved\n")  # fmt: skip
    figures: list[Figure] = []
    build_years(backends, shape, out, keep)
    for backend in backends:
        with _workdir() as workdir:
            t = time.perf_counter()
            out(f"  {backend}: the year (built once, then kept) ...")
            if backend == "sqlite":
                url = sqlite_copy(shape, workdir, out, keep)
            else:
                url = postgresql_copy(shape, f"{keep.prefix}_run", out, keep)
            out(f"    ready in {time.perf_counter() - t:.0f}s")
            try:
                label = "SQLite" if backend == "sqlite" else "PostgreSQL"
                figures += measure(url, workdir, label, n, out, shape, keep)
            finally:
                if backend != "sqlite":
                    drop_postgresql(f"{keep.prefix}_run")
    out("")
    out(table(figures))
    return figures
