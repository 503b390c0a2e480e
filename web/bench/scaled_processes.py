"""The scaled benchmarks' shared parts: the processes (the test suite's `scaled_stack`:
PostgreSQL, Redis, `murmur worker`s, two `murmur serve`), their CPU read from /proc/<pid>/stat,
the workspace a drain reads, and waiting until a load is drained.

CPU is user + system of the web processes with their children (gunicorn serves in its worker
child), the workers and the PostgreSQL backends serving the benchmark's database.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from web.bench.common import texts

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
