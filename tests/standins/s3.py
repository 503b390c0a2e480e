"""A real S3-compatible server for tests: moto's server mode as its own process on a free port
(boto3 speaks HTTP to it exactly as to a bucket)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.standins.mail import free_port

MOTO = shutil.which("moto_server", path=str(Path(sys.executable).parent))


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto_server, yield its endpoint URL, stop it (terminate, then wait)."""
    if MOTO is None:
        raise RuntimeError("moto_server is not installed (the dev extras)")
    port = free_port()
    proc = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
