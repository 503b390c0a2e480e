"""Polling a channel: claim it, run the connectors' poller, store each page with its cursor, save health.

The claim is an atomic UPDATE on a lease column, so two schedulers (threads, processes or
Celery beats) never poll one channel at once, on SQLite and PostgreSQL alike. The page's
messages and its cursor are committed together by `ingest`, so a crash can lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from connectors import registry
from connectors.poller import PollPolicy, PollState, StoreResult, poll_channel
from connectors.types import Batch
from inbox.channels.accounts import connector_for
from inbox.channels.inbound_checks import message_problem
from inbox.pipeline import ingest
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount

LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class PollReport:
    channel_id: int
    ran: bool
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    status: str = "ok"
    error: str | None = None
    health: dict[str, Any] | None = None


def _ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt else None


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None


def claim(inbox: Inbox, channel_id: int) -> bool:
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        res = uow.session.execute(
            update(ChannelAccount)
            .where(
                ChannelAccount.id == channel_id,
                or_(ChannelAccount.poll_lease_until.is_(None), ChannelAccount.poll_lease_until < now),
            )
            .values(poll_lease_until=now + LEASE)
        )
        return res.rowcount == 1


def poll(
    inbox: Inbox,
    channel_id: int,
    force: bool = False,
    policy: PollPolicy | None = None,
    **connector_kwargs: Any,
) -> PollReport:
    """Poll one channel now if it is due (or `force`), unless another scheduler holds it."""
    with inbox.read() as s:
        ch = s.get(ChannelAccount, channel_id)
        if ch is None:
            raise NotFound(N_("channel %(channel_id)s not found"), channel_id=channel_id)
        if not registry.get(ch.kind).pulled:
            return PollReport(
                channel_id, False, status="pushed", error=f"{ch.kind} channels are pushed, not polled"
            )
    if not claim(inbox, channel_id):
        return PollReport(channel_id, False, status="busy", error="another scheduler is polling this channel")
    try:
        with inbox.read() as s:
            ch = s.get(ChannelAccount, channel_id)
            ps = ch.poll_state or {}
            state = PollState(
                cursor=ch.cursor,
                next_poll_at=_ts(ch.next_poll_at) or 0.0,
                blocked_until=ps.get("blocked_until", 0.0),
                consecutive_failures=ch.consecutive_failures,
                last_success_at=_ts(ch.last_success_at),
                last_error=ch.last_error,
                last_error_at=_ts(ch.last_error_at),
            )
            connector = connector_for(inbox, ch, **connector_kwargs)
            interval = ch.poll_interval_seconds
            max_pages = int(ch.settings.get("max_pages", PollPolicy.max_pages))

        refused: list[str] = []

        def store(batch: Batch) -> StoreResult:
            # An item the database cannot hold (a NUL, a lone surrogate, an over-long id) is left
            # out with its reason, as for pushed deliveries: one bad post must not fail its page,
            # or the cursor could never move past it.
            fine = []
            for m in batch.messages:
                problem = message_problem(m)
                if problem is None:
                    fine.append(m)
                else:
                    refused.append(f"{m.external_id[:80]!r}: {problem[0]}: {problem[1]}")
            result = ingest(inbox, channel_id, fine, cursor=batch.next_cursor)
            return StoreResult(stored=result.stored, skipped=result.duplicates)

        outcome = poll_channel(
            connector,
            state,
            store,
            inbox.clock().timestamp(),
            policy=policy or PollPolicy(interval=float(interval), max_pages=max_pages),
            force=force,
        )
        _save(
            inbox,
            channel_id,
            outcome.state,
            outcome.health.fetched,
            outcome.health.stored,
            (*outcome.health.rejected, *refused),
        )
        h = outcome.health
        return PollReport(
            channel_id, outcome.called, h.fetched, h.stored, h.skipped, h.status, h.last_error, h.as_dict()
        )
    finally:
        with inbox.unit_of_work() as uow:
            uow.session.execute(
                update(ChannelAccount).where(ChannelAccount.id == channel_id).values(poll_lease_until=None)
            )


REJECTED_KEPT = 20  # the most recent rejected items a channel's health lists


def _save(
    inbox: Inbox, channel_id: int, st: PollState, fetched: int, stored: int, rejected: tuple[str, ...] = ()
) -> None:
    with inbox.unit_of_work() as uow:
        ch = uow.session.get(ChannelAccount, channel_id)
        # Each page's cursor was already committed with its messages by ingest; the poller's state
        # only moves past a page after that commit, so saving it again here is the same value.
        if st.cursor is not None:
            ch.cursor = st.cursor
        ch.next_poll_at = _dt(st.next_poll_at)
        ch.consecutive_failures = st.consecutive_failures
        ch.last_success_at = _dt(st.last_success_at)
        ch.last_error = st.last_error
        ch.last_error_at = _dt(st.last_error_at)
        ch.items_fetched += fetched
        ch.items_stored += stored
        state = {**(ch.poll_state or {}), "blocked_until": st.blocked_until}
        if rejected:  # what the network sent that could not be stored, and why (shown in health)
            at = inbox.clock().isoformat()
            kept = [*state.get("rejected", []), *({"item": r, "at": at} for r in rejected)]
            state["rejected"] = kept[-REJECTED_KEPT:]
            state["rejected_total"] = int(state.get("rejected_total", 0)) + len(rejected)
        ch.poll_state = state


def due_channels(inbox: Inbox) -> list[int]:
    """Enabled pulled channels whose next poll time has come."""
    now = inbox.clock()
    pulled = [k for k in registry.kinds() if registry.get(k).pulled]
    with inbox.read() as s:
        return list(
            s.scalars(
                select(ChannelAccount.id).where(
                    ChannelAccount.enabled.is_(True),
                    ChannelAccount.kind.in_(pulled),
                    or_(ChannelAccount.next_poll_at.is_(None), ChannelAccount.next_poll_at <= now),
                )
            )
        )
