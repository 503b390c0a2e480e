"""Start real Murmur processes for tests and benchmarks, and always stop them."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
MURMUR = str(Path(sys.executable).parent / "murmur")
# Debian's Chromium, headless, quiet on the network: for the browser tests and the screenshot scripts
CHROMIUM = os.environ.get("MURMUR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# pytest-xdist runs the suite in worker processes gw0, gw1, ... (`make test` uses two). Each worker
# needs its own PostgreSQL databases and Redis dbs: two workers emptying one database between their
# tests, or flushing one Redis db, would fail each other's tests at random. Worker gw0 and a run
# without xdist keep the names the environment (or the defaults below) give; worker n > 0 appends
# `_gw<n>` to every database name and takes each Redis db number minus 4 * n (16 dbs: four workers).
DATABASE_DEFAULTS = {
    "MURMUR_TEST_SCALED_DB": "murmur_scaled",
    "MURMUR_TEST_FAULT_DB": "murmur_fault",
    "MURMUR_BENCH_SCALED_DB": "murmur_bench_scaled",
}
REDIS_DEFAULTS = {
    "MURMUR_TEST_REDIS_URL": "redis://127.0.0.1:6379/15",
    "MURMUR_TEST_SCALED_REDIS_URL": "redis://127.0.0.1:6379/14",
    "MURMUR_TEST_FAULT_REDIS_URL": "redis://127.0.0.1:6379/13",
    "MURMUR_BENCH_REDIS_URL": "redis://127.0.0.1:6379/13",
}
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_STRIDE = 4


def worker_index(environ: Mapping[str, str] = os.environ) -> int:
    """0 without xdist and on worker gw0; n on worker gw<n>."""
    name = environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def worker_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The database and Redis variables this worker must use (empty without xdist and on gw0).

    Set in `os.environ` by tests/conftest.py before any test module reads them, so the modules'
    own defaults, and the `murmur` processes the tests start, see the worker's names."""
    n = worker_index(environ)
    if n == 0:
        return {}
    out = {var: f"{environ.get(var) or default}_gw{n}" for var, default in DATABASE_DEFAULTS.items()}
    pg = make_url(environ.get("MURMUR_TEST_PG_URL") or PG_DEFAULT)
    out["MURMUR_TEST_PG_URL"] = pg.set(database=f"{pg.database}_gw{n}").render_as_string(hide_password=False)
    for var, default in REDIS_DEFAULTS.items():
        url = environ.get(var) or default
        base, db = url.rsplit("/", 1) if re.search(r"[^/]/\d+$", url) else (url.rstrip("/"), "0")
        number = int(db) - REDIS_STRIDE * n
        if number < 0:
            raise RuntimeError(
                f"{var}: no Redis db left for worker gw{n} (at most {16 // REDIS_STRIDE} workers)"
            )
        out[var] = f"{base}/{number}"
    return out


_template: list[Path] = []  # this test process's migrated SQLite file, made on first use


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at `path` holding the whole schema; its URL.

    The schema is migrated once per test process, by `murmur migrate` (so the command stays
    exercised), and each caller gets a copy through SQLite's backup API: migrating took a
    subprocess and ~30 migrations (5-8 s on a busy machine) for every module and fixture."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="murmur-schema-"))
        env = {
            "MURMUR_DATABASE_URL": f"sqlite:///{folder / 'schema.db'}",
            "MURMUR_INSTANCE_PATH": str(folder),
        }
        subprocess.run(
            [MURMUR, "migrate"],
            env={**os.environ, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        _template.append(folder / "schema.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(_template[0])) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = log.open("wb")
        self.p = subprocess.Popen(
            [MURMUR, *args],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self._fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def serve(env: dict[str, str], port: int, log: Path) -> Proc:
    """A `murmur serve` process, returned once /healthz answers (or failing with its log)."""
    proc = Proc(["serve", "--port", str(port)], env, log)
    # A new worker loads the app and every scorer before it answers: ~5 s idle, past 30 s on a
    # small machine that other test runs keep busy.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.p.poll() is not None:
            raise RuntimeError(f"murmur serve exited:\n{proc.output()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"murmur serve did not answer on {port}:\n{proc.output()}")
