"""Start real Murmur processes for tests and benchmarks, and always stop them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
