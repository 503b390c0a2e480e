"""The dashboard on a year of traffic (issue 22): the 30-day and 365-day `/api/dashboard` through
the Flask app, next to the same statements run bare and a plain count of the range's messages,
with the process's peak memory.

    python -m web.bench.dashboard_scale <database url built by web.bench.scale_data> [runs]

Run it with `PYTHONPATH=<a checkout of an older commit>` to measure that code on the same
database (the script uses only what every version has: the app factory, tokens and the API).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from inbox.admin.agents import create_agent, create_token
from web.app import create_app
from web.config import Config


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def data_end(inbox: Any) -> datetime:
    """The midnight after the newest message: the ranges end where the database's year does
    (a year built today ends today; a fixed date went stale with the next build)."""
    from sqlalchemy import func, select

    from inbox.store.models import Message

    with inbox.read() as s:
        newest = s.scalar(select(func.max(Message.created_at)))
    if newest is None:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return newest.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def measure(url: str, runs: int = 3, days: tuple[int, ...] = (30, 365)) -> list[dict[str, Any]]:
    config = Config(
        database_url=url,
        redis_url=None,
        secret_key="bench-secret",
        testing=True,
        scheduler=False,
        instance_path=tempfile.mkdtemp(),
    )
    app = create_app(config)
    inbox = app.extensions["murmur.inbox"]
    email = f"dashboard-{time.time_ns()}@year.test"  # the year's agents are not supervisors
    create_agent(inbox, email, "bench password long", "supervisor", "Bench", [], ["en"], 10)
    auth = {"Authorization": f"Bearer {create_token(inbox, email)}"}
    client = app.test_client()
    backends = _backend_pids(inbox.engine)
    end = data_end(inbox)
    client.get(
        f"/api/dashboard?from={(end - timedelta(days=1)).date()}&to={end.date()}", headers=auth
    )  # warm
    out = []
    for n in days:
        start = end - timedelta(days=n)
        query = f"/api/dashboard?from={start.date()}&to={end.date()}"
        seen: list[tuple[str, Any]] = []
        capture = _capturer(seen)
        times, cpu, server = [], [], []
        for i in range(runs):
            if i == 0:
                event.listen(inbox.engine, "before_cursor_execute", capture)
            t, c, b = time.perf_counter(), time.process_time(), _cpu_of(backends)
            resp = client.get(query, headers=auth)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            server.append(_cpu_of(backends) - b)
            if i == 0:
                event.remove(inbox.engine, "before_cursor_execute", capture)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        with inbox.engine.connect() as conn:
            t = time.perf_counter()
            for statement, parameters in seen:
                conn.exec_driver_sql(statement, parameters).fetchall()
            bare = time.perf_counter() - t
            plains, plain_cpus, plain_server = [], [], []
            (pid,) = conn.exec_driver_sql("SELECT pg_backend_pid()").one() if _is_pg(url) else (None,)
            for _ in range(runs):  # the median of as many runs as the API's, and its CPU time
                t, c, b = time.perf_counter(), time.process_time(), _cpu_of({pid})
                count = conn.execute(
                    text(
                        "SELECT count(*) FROM messages WHERE direction = 'in' "
                        "AND created_at >= :a AND created_at < :b"
                    ),
                    {"a": _bound(url, start), "b": _bound(url, end)},
                ).scalar()
                plains.append(time.perf_counter() - t)
                plain_cpus.append(time.process_time() - c)
                plain_server.append(_cpu_of({pid}) - b)
            plain, plain_cpu = statistics.median(plains), statistics.median(plain_cpus)
            plain_total = statistics.median(x + y for x, y in zip(plain_cpus, plain_server, strict=True))
        api_total = statistics.median(x + y for x, y in zip(cpu, server, strict=True))
        out.append(
            {
                "days": n,
                "api_s": round(statistics.median(times), 3),
                "api_cpu_s": round(statistics.median(cpu), 3),  # the database's CPU too on SQLite
                "bare_sql_s": round(bare, 3),
                "statements": len(seen),
                "count_s": round(plain, 3),
                "ratio": round(statistics.median(times) / plain, 2) if plain else None,
                # SQLite runs in this process, so CPU time compares both whatever the machine's load
                "count_cpu_s": round(plain_cpu, 3),
                "cpu_ratio": round(statistics.median(cpu) / plain_cpu, 2) if plain_cpu else None,
                # PostgreSQL: the CPU of the backends serving this process (/proc, 10 ms ticks) added
                # to the process's own; the first API run is the one with cold caches
                "api_first_cpu_s": round(cpu[0] + server[0], 3),
                "api_total_cpu_s": round(api_total, 3),
                "count_total_cpu_s": round(plain_total, 3),
                "total_cpu_ratio": round(api_total / plain_total, 2) if plain_total else None,
                "messages": count,
                "peak_mb": round(_peak_mb(), 1),
            }
        )
    inbox.engine.dispose()
    return out


def _is_pg(url: str) -> bool:
    return url.startswith("postgresql")


def _backend_pids(engine: Any) -> set[int]:
    """The PostgreSQL backend process of every connection the engine opens from now on."""
    pids: set[int] = set()
    if engine.dialect.name == "postgresql":
        engine.dispose()

        def remember(dbapi_connection, record):  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pids.add(cur.fetchone()[0])

        event.listen(engine, "connect", remember)
    return pids


def _cpu_of(pids: set[int | None]) -> float:
    """User + system CPU seconds of local processes (PostgreSQL backends on this machine); 0 for
    those not readable (another host)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _capturer(seen: list[tuple[str, Any]]) -> Any:
    """A cursor hook that keeps the SELECT statements (text and parameters) into `seen`."""

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):  # a read with a CTE too
            seen.append((statement, parameters))

    return capture


def _bound(url: str, at: datetime) -> Any:
    """A time as the messages table stores it (SQLite: text; PostgreSQL: naive UTC)."""
    naive = at.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds") if url.startswith("sqlite") else naive


if __name__ == "__main__":  # pragma: no cover
    for row in measure(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3):
        print(row, flush=True)
