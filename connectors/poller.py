"""The one poller core: cursors, pagination, rate limits, backoff and health.

Pure logic. The caller (the embedded scheduler or a Celery task) loads a
`PollState`, calls `poll_channel`, and saves `outcome.state`. Guarantees:

* `store(batch)` is called once per page; the cursor advances to
  `batch.next_cursor` only after `store` returns. The store should commit the
  messages and `batch.next_cursor` in one transaction (or pass `checkpoint` to
  save the state after each page); a crash between the two re-fetches the page,
  and dedup on (channel account, external id) makes that harmless.
* After a 429 the API is not called again before the reset time, not even by a
  forced poll; `state.blocked_until` records it.
* Transient failures (5xx, timeouts) are retried a few times with exponential
  backoff and jitter through the injected `sleep`; if they persist, the channel
  is rescheduled with a growing delay and the error shows in the health record.

Locking: two schedulers must never poll one channel at once. That lock belongs to
the caller (a row lock or a Redis lock around load-state/poll/save-state).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import Connector
from connectors.errors import ConnectorError, PermanentError, RateLimited, TransientError
from connectors.types import Batch


@dataclass(frozen=True)
class PollState:
    """What persists per channel between polls (epoch seconds throughout)."""

    cursor: str | None = None
    next_poll_at: float = 0.0
    blocked_until: float = 0.0  # rate-limit reset: no call before this, ever
    consecutive_failures: int = 0
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None


@dataclass(frozen=True)
class StoreResult:
    """What the store did with one page: newly stored vs. already known (deduped)."""

    stored: int
    skipped: int = 0


@dataclass(frozen=True)
class PollPolicy:
    """Timing knobs; defaults suit a real network, tests shrink them."""

    interval: float = 60.0  # between successful polls
    max_pages: int = 50  # per run, so one busy channel cannot starve the others
    retries: int = 2  # inline retries of a transient failure within one run
    retry_base: float = 1.0  # first inline retry delay, doubled each time
    backoff_base: float = 30.0  # delay after a failed run, doubled per consecutive failure
    backoff_max: float = 3600.0


@dataclass(frozen=True)
class Health:
    """The per-channel health record the API and the admin page show."""

    status: str  # ok | rate_limited | backing_off | failing | not_due
    last_success_at: float | None
    last_error: str | None
    next_poll_at: float
    consecutive_failures: int
    fetched: int
    stored: int
    skipped: int
    pages: int
    # items the network sent that could not be stored faithfully, "<id>: <reason>" each
    rejected: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {**self.__dict__, "rejected": list(self.rejected)}


@dataclass(frozen=True)
class PollOutcome:
    """Result of one run: the state to save, and what happened."""

    state: PollState
    health: Health
    called: bool  # False when the run was refused (not due or rate limited)
    error: Exception | None = None


def backoff_delay(failures: int, policy: PollPolicy, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""
    raw = min(policy.backoff_max, policy.backoff_base * (2 ** max(failures - 1, 0)))
    return raw / 2 + rand() * raw / 2


def _coerce(result: Any, batch: Batch) -> StoreResult:
    if isinstance(result, StoreResult):
        return result
    if isinstance(result, int):
        return StoreResult(stored=result, skipped=len(batch.messages) - result)
    return StoreResult(stored=len(batch.messages))


def poll_channel(
    connector: Connector,
    state: PollState,
    store: Callable[[Batch], StoreResult],
    now: float,
    *,
    policy: PollPolicy | None = None,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    checkpoint: Callable[[PollState], None] | None = None,
) -> PollOutcome:
    """Poll one channel to the end of its new items (or `max_pages`) and return the new state.

    `force` ignores the schedule and backoff (an admin's "poll now") but never a
    rate-limit reset. Exceptions from `store` are reported, not raised, and leave
    the cursor where it was.
    """
    policy = policy or PollPolicy()
    fetched = stored = skipped = pages = 0
    rejected: list[str] = []

    def outcome(st: PollState, status: str, called: bool, error: Exception | None = None) -> PollOutcome:
        health = Health(
            status,
            st.last_success_at,
            st.last_error,
            st.next_poll_at,
            st.consecutive_failures,
            fetched,
            stored,
            skipped,
            pages,
            tuple(rejected),
        )
        return PollOutcome(st, health, called, error)

    if now < state.blocked_until:
        return outcome(
            replace(state, next_poll_at=max(state.next_poll_at, state.blocked_until)), "rate_limited", False
        )
    if not force and now < state.next_poll_at:
        return outcome(state, "not_due", False)

    cursor, retries_left = state.cursor, policy.retries
    while pages < policy.max_pages:
        try:
            batch = connector.poll(cursor)
        except RateLimited as exc:
            reset = max(exc.reset_at.timestamp(), now)
            st = replace(
                state,
                cursor=cursor,
                blocked_until=reset,
                next_poll_at=reset,
                last_error=str(exc),
                last_error_at=now,
            )
            return outcome(st, "rate_limited", True, exc)
        except TransientError as exc:
            if retries_left > 0:
                delay = policy.retry_base * (2 ** (policy.retries - retries_left)) * (0.5 + rand() / 2)
                retries_left -= 1
                sleep(delay)
                now += delay
                continue
            return _failed(state, cursor, exc, now, policy, rand, outcome, "backing_off")
        except ConnectorError as exc:  # PermanentError, PayloadError (bad settings), Unsupported
            return _failed(state, cursor, exc, now, policy, rand, outcome, "failing")
        pages += 1
        fetched += len(batch.messages)
        rejected += batch.rejected
        moved = batch.next_cursor != cursor
        if batch.messages or moved:
            try:
                result = _coerce(store(batch), batch)
            except Exception as exc:  # the DB failed: keep the cursor, report, retry later
                err = PermanentError(f"store failed: {type(exc).__name__}: {exc}")
                return _failed(state, cursor, err, now, policy, rand, outcome, "backing_off", cause=exc)
            stored, skipped = stored + result.stored, skipped + result.skipped
            cursor = batch.next_cursor
            if checkpoint is not None:
                checkpoint(replace(state, cursor=cursor))
        rate = batch.rate_limit
        if rate and rate.remaining == 0 and rate.reset_at and rate.reset_at.timestamp() > now:
            reset = rate.reset_at.timestamp()  # budget spent: stop before the server says 429
            st = _succeeded(state, cursor, now, reset, blocked_until=reset)
            return outcome(st, "rate_limited", True)
        if not moved or batch.has_more is False:
            break
        retries_left = policy.retries
    return outcome(_succeeded(state, cursor, now, now + policy.interval), "ok", True)


def _succeeded(
    state: PollState, cursor: str | None, now: float, next_at: float, blocked_until: float = 0.0
) -> PollState:
    return replace(
        state,
        cursor=cursor,
        next_poll_at=next_at,
        blocked_until=blocked_until,
        consecutive_failures=0,
        last_success_at=now,
        last_error=None,
    )


def _failed(state, cursor, exc, now, policy, rand, outcome, status, cause=None) -> PollOutcome:
    failures = state.consecutive_failures + 1
    delay = policy.backoff_max if status == "failing" else backoff_delay(failures, policy, rand)
    st = replace(
        state,
        cursor=cursor,
        consecutive_failures=failures,
        last_error=str(exc),
        last_error_at=now,
        next_poll_at=now + delay,
    )
    return outcome(st, status, True, cause or exc)
