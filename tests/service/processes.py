"""Scaled mode on real processes: a fresh PostgreSQL database, a clean Redis db, a Celery worker
and web processes, all stopped on exit whatever happened.

Builds on `tests.processes` (one `murmur` child process, `serve` waiting for /healthz); adds what
the scaled mode needs on top, so service tests and benchmarks start the same stack the same way:

    with scaled_stack(tmp_path, "murmur_scaled", "redis://127.0.0.1:6379/14", webs=2) as stack:
        stack.ports   # the web processes' ports, answering /healthz
        stack.celery  # a Celery app on the same broker, for send_task
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from inbox.store.schema import upgrade
from tests.processes import Proc, free_port, serve
from web.celery_app import make_celery
from web.config import Config

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


_templates: dict[str, str] = {}  # server -> the database this process migrated once, to copy


def fresh_database(name: str, server: str = PG_SERVER) -> str:
    """Drop and recreate database `name` (connecting to `postgres`) holding the migrated schema;
    its URL.

    The first call of a test process migrates a template database (`<name>_tpl`); every call
    then copies it with CREATE DATABASE ... TEMPLATE, which is the same schema, rows and
    sequences as migrating again, in a fraction of the time (Alembic's ~15 revisions took 2-7 s)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            if server not in _templates:
                template = f"{name}_tpl"
                c.execute(text(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
                c.execute(text(f"CREATE DATABASE {template}"))
                upgrade(f"{server}/{template}")  # its engine is disposed: no session left on it
                _templates[server] = template
                atexit.register(_drop, server, template)
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            c.execute(text(f"CREATE DATABASE {name} TEMPLATE {_templates[server]}"))
    finally:
        admin.dispose()
    return f"{server}/{name}"


def _drop(server: str, name: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


def fresh_redis(url: str) -> None:
    """Empty the Redis database `url` names (its own db number, so nothing else is touched)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def stop(proc: Proc, grace: float = 10.0) -> None:
    """Stop a child and everything it started (it leads its own session): TERM, then KILL."""
    p = proc.p
    if p.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)
    proc.stop()  # closes the log


def worker(env: dict[str, str], log: Path, celery, concurrency: int = 1, timeout: float = 90) -> Proc:  # type: ignore[no-untyped-def]
    """A `murmur worker`, returned once it answers a Celery ping (or failing with its log)."""
    proc = Proc(["worker", "--concurrency", str(concurrency)], env, log)
    deadline = time.monotonic() + timeout
    try:
        while not celery.control.ping(timeout=0.5):
            if proc.p.poll() is not None:
                raise RuntimeError(f"murmur worker exited:\n{proc.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"murmur worker did not answer a ping in {timeout}s:\n{proc.output()}")
    except BaseException:
        stop(proc)
        raise
    return proc


def kill(proc: Proc) -> None:
    """kill -9 a child and everything it started: no clean-up of any kind runs."""
    with suppress(ProcessLookupError):
        os.killpg(proc.p.pid, signal.SIGKILL)
    proc.p.wait(10)
    proc.stop()


@dataclass
class ScaledStack:
    database_url: str
    redis_url: str
    secret_key: str
    env: dict[str, str]
    celery: object
    tmp: Path
    concurrency: int = 1
    ports: list[int] = field(default_factory=list)
    procs: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)

    def logs(self) -> str:
        """The tail of every process's log, for assertion messages."""
        return "\n".join(f"--- {p.log.name}\n{p.output()}" for p in self.procs)

    def start_worker(self) -> Proc:
        """One more `murmur worker` process (stopped with the stack)."""
        proc = worker(
            self.env,
            self.tmp / f"worker-{sum(p.log.name.startswith('worker-') for p in self.procs) + 1}.log",
            self.celery,
            self.concurrency,
        )
        self.workers.append(proc)
        self.procs.append(proc)
        return proc


@contextmanager
def scaled_stack(
    tmp: Path,
    database: str,
    redis_url: str,
    webs: int = 2,
    concurrency: int = 1,
    secret_key: str = "scaled-secret",
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Iterator[ScaledStack]:
    """A migrated database, a clean Redis db, `workers` Celery worker processes and `webs` web
    processes (scheduler off, so only what a test triggers runs). Everything started is stopped
    on exit, even on failure."""
    url = fresh_database(database)
    fresh_redis(redis_url)
    env = {
        "MURMUR_DATABASE_URL": url,
        "MURMUR_REDIS_URL": redis_url,
        "MURMUR_SECRET_KEY": secret_key,
        "MURMUR_SCHEDULER": "0",
        "MURMUR_INSTANCE_PATH": str(tmp),
        **(extra_env or {}),
    }
    celery = make_celery(Config(database_url=url, redis_url=redis_url, secret_key=secret_key))
    stack = ScaledStack(url, redis_url, secret_key, env, celery, tmp, concurrency)
    with ExitStack() as cleanup:
        cleanup.callback(celery.close)
        cleanup.callback(lambda: [stop(w) for w in stack.workers])
        for _ in range(workers):
            stack.start_worker()
        for i in range(webs):
            port = free_port()
            stack.procs.append(serve(env, port, tmp / f"web-{chr(ord('a') + i)}.log"))
            cleanup.callback(stop, stack.procs[-1])
            stack.ports.append(port)
        yield stack
