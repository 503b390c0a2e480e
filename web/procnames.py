"""Names a process and its threads show to the operating system and PostgreSQL, so `top -H`,
/proc/<pid>/task/*/comm, pg_stat_activity and the scaled bench's CPU breakdown can say which
process kind and which thread spends the CPU (a drain thread's BLMPOP wake-ups, the Socket.IO
message-queue listener, a request thread, a scheduler) instead of "python" for all of them.

Python sets a thread's OS name itself only from 3.14 on; before that each thread is named here,
on its own start, with the first 15 bytes of `Thread.name` (Linux's limit), via prctl. Nothing
is named where prctl is missing (not Linux): the names are only for looking at.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import re
import sys
import threading
from functools import lru_cache
from typing import Any

from inbox.store.db import name_process

_PR_SET_NAME = 15
_done: list[bool] = []


@lru_cache(maxsize=1)
def _prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def short_name(name: str) -> str:
    """The part of a Python thread's name that tells it apart within 15 bytes: "Thread-7
    (_thread)" is its target's name, "ThreadPoolExecutor-0_12" (gunicorn's request threads) "pool-0_12"."""
    m = re.fullmatch(r"Thread-\d+ \((.+)\)", name)
    if m:
        name = m.group(1).lstrip("_")
    return name.replace("ThreadPoolExecutor", "pool")[:15]


def set_thread_name(name: str) -> None:
    """Name the calling thread for the OS (no-op where that is not possible)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode("utf-8", "replace")[:15]), 0, 0, 0)


def name_threads(role: str) -> None:
    """Name this process (`role`: web, worker, beat) for PostgreSQL, and every thread started from
    now on for the OS, after its `Thread.name`. Idempotent."""
    name_process(role)
    if _done or sys.version_info >= (3, 14) or _prctl() is None:
        return
    _done.append(True)
    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def named(self: threading.Thread) -> None:
        with contextlib.suppress(Exception):  # a name is never worth a thread
            set_thread_name(short_name(self.name))
        original(self)

    threading.Thread._bootstrap_inner = named  # type: ignore[attr-defined]
