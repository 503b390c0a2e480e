"""Benchmark servers in child processes: one `murmur serve` on a benchmark's SQLite database, or
any command serving HTTP + Socket.IO, started, awaited on its health URL and always stopped.

latency.py, concurrency.py and scaled.py all start servers this way (one helper, not a copy each).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from web.bench.common import ROOT, SECRET, _free_port


class Server:
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

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any MURMUR_ setting (the benchmark's own shell may have some), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MURMUR_")}
    env.update(extra)
    return env


def serve_sqlite(path: Path) -> Server:
    """`murmur serve` on the benchmark database `path / "bench.db"` (SQLite, scheduler off), on a
    free port, its log in `path / "serve.log"`; use as a context manager."""
    port = _free_port()
    env = clean_env(
        MURMUR_DATABASE_URL=f"sqlite:///{path / 'bench.db'}",
        MURMUR_SECRET_KEY=SECRET,
        MURMUR_SCHEDULER="0",
        MURMUR_INSTANCE_PATH=str(path),
    )
    murmur = str(Path(sys.executable).parent / "murmur")
    return Server([murmur, "serve", "--port", str(port)], env, port, path / "serve.log", "/healthz")
