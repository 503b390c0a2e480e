"""A 300 MB unsigned POST to a webhook is refused without the web process taking the memory.

Before the size limit, the body was read whole (410 MB -> 1,010 MB) before the signature check
answered 401. This runs a real `murmur serve` process, streams the body to it over a raw socket
(chunked, and again with a declared Content-Length) and samples the resident memory of every
process of the server while it does.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from inbox.channels.accounts import create_channel
from inbox.store.context import Inbox
from tests.processes import free_port, migrated_sqlite, serve
from tests.service.processes import stop

BODY = 300 * 1024 * 1024
CHUNK = 1024 * 1024
ALLOWED_GROWTH = 50 * 1024 * 1024


def rss_of_group(leader: int) -> int:
    """Resident bytes of every process in the server's process group (workers included)."""
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == leader:  # pgrp
                total += int(Path(f"/proc/{entry}/statm").read_text().split()[1]) * page
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


class Sampler(threading.Thread):
    """Samples the group's memory every 20 ms until stopped; keeps the peak."""

    def __init__(self, leader: int) -> None:
        super().__init__(daemon=True)
        self.leader, self.peak, self.done = leader, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_of_group(self.leader))
            time.sleep(0.02)


def stream_post(port: int, path: str, chunked: bool) -> tuple[bytes, int]:
    """POST BODY bytes of JSON-ish filler; returns what the server answered and how much was sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer = bytearray()

    def read() -> None:
        try:
            while data := sock.recv(65536):
                answer.extend(data)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n\r\n"
    sent = 0
    filler = b"[" + b"0," * (CHUNK // 2 - 1) + b"0"
    try:
        sock.sendall(head.encode())
        while sent < BODY:
            piece = filler[: min(CHUNK, BODY - sent)]
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed while we were still sending: what we want
    reader.join(30)
    sock.close()
    return bytes(answer), sent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    url = migrated_sqlite(tmp / "murmur.db")
    inbox = Inbox.from_url(url, "limits-secret")
    try:
        channel, _ = create_channel(inbox, None, "webhook", "hook", {}, {})
    finally:
        inbox.engine.dispose()
    env = {
        "MURMUR_DATABASE_URL": url,
        "MURMUR_SECRET_KEY": "limits-secret",
        "MURMUR_SCHEDULER": "0",
        "MURMUR_INSTANCE_PATH": str(tmp),
        "MURMUR_REDIS_URL": "",
    }
    port = free_port()
    proc = serve(env, port, tmp / "web.log")
    try:
        yield {"port": port, "proc": proc, "path": f"/api/channels/{channel['id']}/webhook"}
    finally:
        stop(proc)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_a_300_mb_unsigned_post_is_refused_within_50_mb_of_idle_memory(server, chunked):
    port, leader = server["port"], server["proc"].p.pid
    for _ in range(3):  # settle: the first requests import and cache what every request needs
        httpx.post(f"http://127.0.0.1:{port}{server['path']}", content=b"{}", timeout=10)
    idle = rss_of_group(leader)
    sampler = Sampler(leader)
    sampler.start()
    try:
        answer, sent = stream_post(port, server["path"], chunked)
    finally:
        sampler.done.set()
        sampler.join()
    growth = sampler.peak - idle
    print(f"idle {idle / 2**20:.1f} MiB, peak {sampler.peak / 2**20:.1f} MiB, sent {sent / 2**20:.0f} MiB")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"too_large"' in answer.replace(b" ", b"")
    assert growth < ALLOWED_GROWTH, f"the server grew by {growth / 2**20:.1f} MiB"
    # and it still serves
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
