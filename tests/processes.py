"""Start real Murmur processes for tests and benchmarks, and always stop them."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import httpx

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
