"""Where a year of history costs a one-message ingest on SQLite: per statement, year against empty.

    python scripts/profile_year_ingest.py <copy of the year.db> <workdir> [messages] [rounds]

Runs `web.bench.scale._OnePerBatch` (the bench's workload) on the copy and on a new empty
database with the same workspace, in alternating rounds in one process, and prints for each
statement the ingesting thread's CPU time per message and SQLite's page-cache misses per message
on each side, the biggest differences first. CPU time (`time.thread_time`) and cache misses
(`sqlite3_db_status(SQLITE_DBSTATUS_CACHE_MISS)`) move far less with the machine's load than the
wall clock. FTS5 flushes a table's pending index at the next statement's savepoint, so an
INSERT into one `*_fts` table also carries the flush of the one written before it; the commit
carries the last. PROF_PRAGMAS="mmap_size=...;cache_size=..." tries connection settings.
Diagnostic only: it swaps `sqlite3.connect` for a timing connection class; never on a kept year.
"""

from __future__ import annotations

import ctypes
import os
import re
import sqlite3
import sqlite3.dbapi2
import sys
import threading
import time
from pathlib import Path
from typing import Any

_connect = sqlite3.connect
_lib = ctypes.CDLL("libsqlite3.so.0")
PRAGMAS = [p for p in os.environ.get("PROF_PRAGMAS", "").split(";") if p]
STATS: dict[str, dict[str, list[int]]] = {}  # side -> statement -> [count, ns, misses]
SIDE: list[str | None] = [None]


def _misses(conn: sqlite3.Connection) -> int:
    db = ctypes.c_void_p.from_address(id(conn) + 16).value  # pysqlite_Connection.db (CPython 3.11)
    cur, hi = ctypes.c_int(), ctypes.c_int()
    _lib.sqlite3_db_status(ctypes.c_void_p(db), 8, ctypes.byref(cur), ctypes.byref(hi), 0)  # CACHE_MISS
    return cur.value


def _record(sql: str, ns: int, misses: int) -> None:
    if SIDE[0] is None or threading.current_thread() is not threading.main_thread():
        return
    key = re.sub(r"\(\?(, \?)*\)", "(?...)", re.sub(r"\s+", " ", sql.strip()))[:300]
    row = STATS.setdefault(SIDE[0], {}).setdefault(key, [0, 0, 0])
    row[0], row[1], row[2] = row[0] + 1, row[1] + ns, row[2] + misses


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, params: Any = ()) -> Any:  # noqa: D102
        m, t = _misses(self.connection), time.thread_time_ns()
        try:
            return super().execute(sql, params)
        finally:
            _record(sql, time.thread_time_ns() - t, _misses(self.connection) - m)

    def executemany(self, sql: str, seq: Any) -> Any:  # noqa: D102
        m, t = _misses(self.connection), time.thread_time_ns()
        try:
            return super().executemany(sql, seq)
        finally:
            _record(sql, time.thread_time_ns() - t, _misses(self.connection) - m)


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:  # noqa: D102
        return super().cursor(factory)

    def execute(self, sql: str, params: Any = ()) -> Any:  # noqa: D102
        return self.cursor().execute(sql, params)

    def executemany(self, sql: str, seq: Any) -> Any:  # noqa: D102
        return self.cursor().executemany(sql, seq)

    def commit(self) -> None:  # noqa: D102
        m, t = _misses(self), time.thread_time_ns()
        try:
            super().commit()
        finally:
            _record("<commit>", time.thread_time_ns() - t, _misses(self) - m)


def _timed_connect(*a: Any, **k: Any) -> sqlite3.Connection:
    k.setdefault("factory", _Connection)
    conn = _connect(*a, **k)
    for p in PRAGMAS:
        conn.execute(f"PRAGMA {p}")
    return conn


def main(year: str, workdir: Path, n: int, rounds: int) -> None:
    sqlite3.connect = sqlite3.dbapi2.connect = _timed_connect  # type: ignore[assignment]
    from inbox.store.schema import upgrade
    from web.bench.scale import _app, _OnePerBatch
    from web.bench.year import Shape
    from web.bench.year_plan import setup

    workdir.mkdir(parents=True, exist_ok=True)
    for p in workdir.glob("empty.db*"):
        p.unlink()
    shape = Shape()
    year_inbox = _app(f"sqlite:///{year}", workdir).extensions["murmur.inbox"]
    upgrade(f"sqlite:///{workdir / 'empty.db'}")
    empty_inbox = _app(f"sqlite:///{workdir / 'empty.db'}", workdir).extensions["murmur.inbox"]
    setup(empty_inbox, shape.teams, shape.agents)
    runs = {"year": _OnePerBatch(year_inbox, n), "empty": _OnePerBatch(empty_inbox, n)}
    cpu = dict.fromkeys(runs, 0)
    for r in range(rounds):
        for side in ("year", "empty") if r % 2 == 0 else ("empty", "year"):
            SIDE[0], t = side, time.thread_time_ns()
            runs[side].go(n // rounds)
            cpu[side] += time.thread_time_ns() - t
            SIDE[0] = None
    done = {s: runs[s].done - 3 for s in runs}
    for s in runs:
        sql = sum(v[1] for v in STATS[s].values()) / done[s] / 1e6
        miss = sum(v[2] for v in STATS[s].values()) / done[s]
        print(f"{s:5}: {runs[s].rate():6.1f} msg/s wall, thread CPU {cpu[s] / 1e6 / done[s]:.2f} ms/msg "
              f"(SQL {sql:.2f}), {miss:.1f} cache misses/msg")  # fmt: skip
    print(
        f"ratio: wall {runs['year'].rate() / runs['empty'].rate():.2f}x, CPU {cpu['empty'] / cpu['year']:.2f}x"
    )
    rows = []
    for key in set(STATS["year"]) | set(STATS["empty"]):
        y, e = STATS["year"].get(key, [0, 0, 0]), STATS["empty"].get(key, [0, 0, 0])
        rows.append((y[1] / done["year"] - e[1] / done["empty"], y, e, key))
    print("+ms/msg  year ms(count, misses/msg)  empty ms(count, misses/msg)  statement")
    for d, y, e, key in sorted(rows, reverse=True)[:15]:
        print(f"{d / 1e6:7.3f}  {y[1] / 1e6 / done['year']:6.3f}({y[0]}, {y[2] / done['year']:.1f})  "
              f"{e[1] / 1e6 / done['empty']:6.3f}({e[0]}, {e[2] / done['empty']:.1f})  {key[:150]}")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 80,
         int(sys.argv[4]) if len(sys.argv) > 4 else 4)  # fmt: skip
