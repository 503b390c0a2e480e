"""The one-year database of `make bench-scale`: a mid-size brand's year of traffic.

1,000,000 messages in 100,000 conversations over 365 days, 20 teams of 10 agents, 60% of the
conversations resolved (issue 22's shape), in English, Chinese and Thai. One generator
(`web.bench.year_plan.plan`) makes the year's batches; the bulk builder (`web.bench.scale_data`)
writes what `inbox.ingest.ingest` would have stored for them (ranks, rules' labels, routing,
search indexes, rollups, identities and customers, sentiment) in a few minutes, and the same
plan can go through the real pipeline (`through_pipeline=True`, about an hour for the full year)
as the reference a test compares it with. A few conversations are long (200 and 10,000
messages), since a long thread is where inboxes freeze.

Building still takes minutes, so the finished database is kept: a SQLite file under
`instance/bench-scale/`, or a PostgreSQL database `murmur_year_<key>`, where the key hashes the
shape and the code that decides what is stored (migrations, inbox, leaves, this file). Each
measurement runs on a fresh copy (a file copy, or `CREATE DATABASE ... TEMPLATE`), so a run may
write and the next one still starts from the same year.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from web.bench.common import ROOT, SECRET

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Shape:
    messages: int = 1_000_000
    conversations: int = 100_000
    teams: int = 20
    agents: int = 200
    days: int = 365
    resolved_share: float = 0.6
    inbound_share: float = 0.73
    seed: int = 7


def key(shape: Shape) -> str:
    """Changes whenever the shape or anything that decides what gets stored changes."""
    h = hashlib.sha256(repr(sorted(asdict(shape).items())).encode())
    for folder in ("alembic/versions", "inbox", "sentiment", "escalation", "connectors"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for name in ("year.py", "year_plan.py", "scale_data.py", "common.py"):
        h.update((ROOT / "web" / "bench" / name).read_bytes())
    return h.hexdigest()[:10]


# --- where the kept year lives ------------------------------------------------------------------


@dataclass(frozen=True)
class Keep:
    """Where kept years live: a folder of SQLite files, a name prefix of PostgreSQL databases
    (`<prefix>_<key>`, and `<prefix>_building`, `_run`, `_empty` while building and measuring).
    A test keeps its tiny years apart from the real one with its own."""

    folder: Path = ROOT / "instance" / "bench-scale"
    prefix: str = "murmur_year"


KEEP = Keep()


def sqlite_year(shape: Shape, progress: Callable[[str], None], keep: Keep = KEEP) -> Path:
    """The kept SQLite file of this shape, built when missing (older ones are removed)."""
    keep.folder.mkdir(parents=True, exist_ok=True)
    path = keep.folder / f"year-{key(shape)}.db"
    if not path.exists():
        for old in keep.folder.glob("year-*.db*"):
            old.unlink()
        partial = keep.folder / "building.db"
        for p in keep.folder.glob("building.db*"):
            p.unlink()
        build(f"sqlite:///{partial}", shape, progress)
        # A consistent snapshot through SQLite's backup API (WAL content included), never a byte copy:
        # a background checkpointer may still be writing the built file when the build returns.
        staged = keep.folder / "staged.db"
        _backup(partial, staged)
        staged.rename(path)
        for p in keep.folder.glob("building.db*"):
            p.unlink()
    return path


def _backup(src: Path, dst: Path) -> None:
    for p in dst.parent.glob(dst.name + "*"):
        p.unlink()
    with contextlib.closing(sqlite3.connect(src)) as a, contextlib.closing(sqlite3.connect(dst)) as b:
        a.backup(b)
        b.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


def sqlite_copy(shape: Shape, into: Path, progress: Callable[[str], None], keep: Keep = KEEP) -> str:
    src = sqlite_year(shape, progress, keep)
    dst = into / "year.db"
    _backup(src, dst)
    return f"sqlite:///{dst}"


def _pg_admin() -> Any:
    from sqlalchemy import create_engine

    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def postgresql_year(shape: Shape, progress: Callable[[str], None], keep: Keep = KEEP) -> str:
    """The name of the kept PostgreSQL database of this shape, built when missing (older kept
    years of the same prefix are dropped)."""
    from sqlalchemy import text

    name, building = f"{keep.prefix}_{key(shape)}", f"{keep.prefix}_building"
    admin = _pg_admin()
    with admin.connect() as c:
        have = set(
            c.scalars(
                text("SELECT datname FROM pg_database WHERE datname ~ :kept"),
                {"kept": f"^{keep.prefix}_[0-9a-f]{{10}}$"},
            )
        )
        if name not in have:
            for old in have:
                c.execute(text(f'DROP DATABASE "{old}" WITH (FORCE)'))
            c.execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{building}"'))
    if name not in have:
        build(f"{PG_SERVER}/{building}", shape, progress)
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
    admin.dispose()
    return name


def postgresql_copy(shape: Shape, copy_name: str, progress: Callable[[str], None], keep: Keep = KEEP) -> str:
    from sqlalchemy import text

    name = postgresql_year(shape, progress, keep)
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{copy_name}"


def drop_postgresql(copy_name: str) -> None:
    from sqlalchemy import text

    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
    admin.dispose()


def _kept(backend: str, shape: Shape, keep: Keep) -> bool:
    from sqlalchemy import text

    if backend == "sqlite":
        return (keep.folder / f"year-{key(shape)}.db").exists()
    admin = _pg_admin()
    with admin.connect() as c:
        found = c.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"{keep.prefix}_{key(shape)}"}
        )
    admin.dispose()
    return found is not None


def _build_kept(backend: str, shape: Shape, keep: Keep) -> None:
    """A child process's whole work: the kept year of one backend (progress lines prefixed)."""
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"

    def say(line: str) -> None:
        print(f"  [{label}] {line.strip()}", flush=True)

    (sqlite_year if backend == "sqlite" else postgresql_year)(shape, say, keep)


def build_years(backends: Any, shape: Shape, progress: Callable[[str], None], keep: Keep = KEEP) -> None:
    """Build the missing kept years of `backends` side by side, one process each: a build is
    mostly one Python process deciding rows and one database writing them, so two builds keep
    two cores busy where one after the other used about one (a fresh process also keeps the
    caller's memory small). Years already kept are left alone."""
    import multiprocessing

    missing = [b for b in backends if not _kept(b, shape, keep)]
    if len(missing) < 2:
        return  # one build gains nothing from a process of its own: the caller builds it inline
    progress(f"  building the year on {' and '.join(missing)} in parallel ...")
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_build_kept, args=(b, shape, keep), name=f"year-{b}") for b in missing]
    for child in children:
        child.start()
    for child in children:
        child.join()
    failed = [c.name for c in children if c.exitcode != 0]
    if failed:
        raise RuntimeError(f"building the year failed: {', '.join(failed)}")


# --- building -----------------------------------------------------------------------------------


def build(
    url: str,
    shape: Shape,
    progress: Callable[[str], None] = lambda s: None,
    through_pipeline: bool = False,
    now: datetime | None = None,
) -> dict[str, float]:
    """Fill an empty database at `url` with the year of `shape` (see `web.bench.year_plan`): in
    bulk (`web.bench.scale_data`), or batch by batch through the ingest pipeline, the slow
    reference. Returns the seconds the steps took."""
    import time

    from inbox.store.schema import upgrade
    from web.app import create_app
    from web.bench.scale_data import build_bulk
    from web.bench.year_plan import Clock, build_through_pipeline
    from web.config import Config

    t0 = time.perf_counter()
    now = now or datetime.now(UTC).replace(microsecond=0)
    clock = Clock(now - timedelta(days=shape.days))
    upgrade(url)
    migrated = time.perf_counter() - t0
    app = create_app(
        Config(database_url=url, redis_url=None, secret_key=SECRET, scheduler=False, instance_path="/tmp"),
        clock=clock,
    )
    inbox = app.extensions["murmur.inbox"]
    try:
        if through_pipeline:
            t = time.perf_counter()
            build_through_pipeline(inbox, clock, shape, now, progress)
            timings = {"pipeline": time.perf_counter() - t}
        else:
            timings = build_bulk(inbox, clock, shape, now, progress)
    finally:
        inbox.engine.dispose()
    timings["migrate"] = migrated
    progress("    built: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return timings


if __name__ == "__main__":  # python -m web.bench.year sqlite|postgresql|build <url> [messages]
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rest = sys.argv[2:]
    target = rest.pop(0) if which == "build" else ""
    n = int(rest[0]) if rest else 1_000_000
    shape = Shape(messages=n, conversations=max(10, n // 10))
    if which == "build":
        build(target, shape, print)
    else:
        print(sqlite_year(shape, print) if which == "sqlite" else postgresql_year(shape, print))
