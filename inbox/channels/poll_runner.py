"""The one poll runner around the connectors' poller, shared by channels and listening sources.

A channel account and a listening source keep the same poll columns (cursor, lease, next poll
time, failures, health), so one runner claims the row, loads its `PollState`, runs
`poll_channel`, saves the state and always lets the lease go. What differs (which client, how
a page is stored, what happens after) stays with the caller. The guarantees live here once:

* the claim is an atomic UPDATE on the lease column, so two schedulers (threads, processes or
  Celery beats) never poll one row at once, on SQLite and PostgreSQL alike;
* the store commits each page with its cursor, and the poller moves the cursor only after the
  store returned, so a cursor never moves past an unstored message;
* a 429 blocks the row until the network's reset time, even against "poll now".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update

from connectors.poller import PollOutcome, PollPolicy, PollState, StoreResult, poll_channel
from connectors.types import Batch
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound

LEASE = timedelta(minutes=10)
REJECTED_KEPT = 20  # the most recent rejected items a row's health lists

# prepare(row) -> (client, policy): called with the detached row once its state is read
Prepare = Callable[[Any], tuple[Any, PollPolicy]]

# what a caller is told when the row to poll is gone (each msgid names its own placeholder)
_MISSING = {
    "channel_accounts": N_("channel %(channel_id)s not found"),
    "listening_sources": N_("listening source %(source_id)s not found"),
}


def _ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt else None


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None


def claim(inbox: Inbox, model: type, row_id: int) -> bool:
    """Take the row's poll lease unless another scheduler holds an unexpired one."""
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        res = uow.session.execute(
            update(model)
            .where(
                model.id == row_id,
                or_(model.poll_lease_until.is_(None), model.poll_lease_until < now),
            )
            .values(poll_lease_until=now + LEASE)
        )
        return res.rowcount == 1


def release(inbox: Inbox, model: type, row_id: int) -> None:
    """Let the lease go, whatever the poll did."""
    with inbox.unit_of_work() as uow:
        uow.session.execute(update(model).where(model.id == row_id).values(poll_lease_until=None))


def load_state(row: Any) -> PollState:
    """The poller's state from a row's columns (a listening source has no `last_error_at`)."""
    ps = row.poll_state or {}
    return PollState(
        cursor=row.cursor,
        next_poll_at=_ts(row.next_poll_at) or 0.0,
        blocked_until=float(ps.get("blocked_until", 0.0)),
        consecutive_failures=row.consecutive_failures,
        last_success_at=_ts(row.last_success_at),
        last_error=row.last_error,
        last_error_at=_ts(getattr(row, "last_error_at", None)),
    )


def save_state(
    inbox: Inbox,
    model: type,
    row_id: int,
    st: PollState,
    fetched: int = 0,
    stored: int = 0,
    rejected: Sequence[str] = (),
) -> None:
    """Write the poller's state and the run's counts back to the row."""
    with inbox.unit_of_work() as uow:
        row = uow.session.get(model, row_id)
        if row is None:  # deleted while it was polled: nothing to record
            return
        # Each page's cursor was already committed with its messages by the store; the poller's
        # state only moves past a page after that commit, so saving it again here is the same value.
        if st.cursor is not None:
            row.cursor = st.cursor
        row.next_poll_at = _dt(st.next_poll_at)
        row.consecutive_failures = st.consecutive_failures
        row.last_success_at = _dt(st.last_success_at)
        row.last_error = st.last_error
        if hasattr(row, "last_error_at"):
            row.last_error_at = _dt(st.last_error_at)
        if hasattr(row, "items_fetched"):
            row.items_fetched += fetched
        row.items_stored += stored
        state = {**(row.poll_state or {}), "blocked_until": st.blocked_until}
        if rejected:  # what the network sent that could not be stored, and why (shown in health)
            at = inbox.clock().isoformat()
            kept = [*state.get("rejected", []), *({"item": r, "at": at} for r in rejected)]
            state["rejected"] = kept[-REJECTED_KEPT:]
            state["rejected_total"] = int(state.get("rejected_total", 0)) + len(rejected)
        row.poll_state = state


def run_poll(
    inbox: Inbox,
    model: type,
    row_id: int,
    prepare: Prepare,
    store: Callable[[Batch], StoreResult],
    force: bool = False,
    refused: Sequence[str] = (),
    store_counts: bool = False,
) -> PollOutcome | None:
    """Claim, poll and save one row; None when another scheduler holds it.

    `refused` is read after the poll: the store appends there what it left out (with reasons),
    so it is kept in the row's health beside what the connector itself rejected.
    `store_counts`: the store already adds to `items_stored` in each page's transaction (the
    listening store does), so the runner must not add the run's total again.
    """
    if not claim(inbox, model, row_id):
        return None
    try:
        with inbox.read() as s:
            row = s.get(model, row_id)
            if row is None:
                raise NotFound(_MISSING[model.__tablename__], channel_id=row_id, source_id=row_id)
            state = load_state(row)
            s.expunge(row)
        client, policy = prepare(row)
        outcome = poll_channel(client, state, store, inbox.clock().timestamp(), policy=policy, force=force)
        h = outcome.health
        stored = 0 if store_counts else h.stored
        save_state(inbox, model, row_id, outcome.state, h.fetched, stored, (*h.rejected, *refused))
        return outcome
    finally:
        release(inbox, model, row_id)
