"""Run a transaction again when PostgreSQL says a concurrent writer got there first.

Ingest no longer serializes a whole channel behind one lock: two workers may ingest the same
channel at once, so the rare collisions (both creating one conversation or storing one message,
a deadlock between their row locks) surface as a unique violation or a deadlock error. Those
are answered by the database's own constraints and row locks; running the transaction again
then finds the winner's rows and does the right thing (dedup, adopt the conversation).
SQLite never gets here: every writer holds the database's write lock from BEGIN IMMEDIATE.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
log = logging.getLogger("murmur.retry")

# unique_violation, serialization_failure, deadlock_detected
_CONFLICTS = {"23505", "40001", "40P01"}


def is_conflict(exc: BaseException) -> bool:
    """Whether `exc` is a concurrent writer's collision that a fresh transaction resolves."""
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in _CONFLICTS


def retry_conflicts(fn: Callable[[], T], attempts: int = 5) -> T:
    """`fn()` (one whole transaction), run again after a short random pause on a collision."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except DBAPIError as exc:
            if attempt == attempts or not is_conflict(exc):
                raise
            log.info("concurrent writer collision (%s), attempt %d again", exc.orig.sqlstate, attempt)
            time.sleep(random.uniform(0, 0.01 * attempt))
    raise AssertionError("unreachable")
