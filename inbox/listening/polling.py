"""Polling a stream's sources with the channels' poller: lease, cursor, 429 block, backoff, health.

The claim is an atomic UPDATE on the source's lease column (as for channels), so two schedulers
never poll one source at once. Each page and its cursor are committed together by
`store_mentions`; a 429 keeps the cursor where the last committed page left it and blocks the
source until the network's reset time, even against "poll now".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from connectors import search
from connectors.poller import PollPolicy, PollState, StoreResult, poll_channel
from connectors.types import Batch
from inbox.listening.mentions import store_mentions
from inbox.listening.promotion import promote_by_rules
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount, ListeningSource, ListeningStream
from inbox.store.security import decrypt_secrets

LEASE = timedelta(minutes=10)
INTERVAL = 300.0  # search APIs are costlier than notifications: every five minutes


@dataclass(frozen=True)
class SourceReport:
    source_id: int
    ran: bool
    fetched: int = 0
    stored: int = 0
    status: str = "ok"
    error: str | None = None


def _ts(dt: datetime | None) -> float:
    return dt.timestamp() if dt else 0.0


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None


def _claim(inbox: Inbox, source_id: int) -> bool:
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        res = uow.session.execute(
            update(ListeningSource)
            .where(
                ListeningSource.id == source_id,
                or_(ListeningSource.poll_lease_until.is_(None), ListeningSource.poll_lease_until < now),
            )
            .values(poll_lease_until=now + LEASE)
        )
        return res.rowcount == 1


def searcher_for(inbox: Inbox, src: ListeningSource, **kwargs: Any) -> Any:
    """The source's search client, with the credentials of the channel account it borrows."""
    settings, secrets = dict(src.settings), {}
    if src.channel_account_id is not None:
        with inbox.read() as s:
            ch = s.get(ChannelAccount, src.channel_account_id)
            if ch is not None:
                secrets = decrypt_secrets(inbox.secret_key, ch.secrets_encrypted)
                for key in ("base_url", "identifier", "user_agent"):
                    if key in ch.settings and key not in settings:
                        settings[key] = ch.settings[key]
    return search.create(src.network, settings, secrets, **kwargs)


def poll_source(
    inbox: Inbox, source_id: int, force: bool = False, policy: PollPolicy | None = None, **kwargs: Any
) -> SourceReport:
    """Poll one source now if it is due (or `force`), unless another scheduler holds it."""
    with inbox.read() as s:
        if s.get(ListeningSource, source_id) is None:
            raise NotFound(N_("listening source %(source_id)s not found"), source_id=source_id)
    if not _claim(inbox, source_id):
        return SourceReport(source_id, False, status="busy")
    new_ids: list[int] = []
    try:
        with inbox.read() as s:
            src = s.get(ListeningSource, source_id)
            ps = src.poll_state or {}
            state = PollState(
                cursor=src.cursor,
                next_poll_at=_ts(src.next_poll_at),
                blocked_until=float(ps.get("blocked_until", 0.0)),
                consecutive_failures=src.consecutive_failures,
                last_success_at=_ts(src.last_success_at) or None,
                last_error=src.last_error,
            )
            s.expunge(src)
        client = searcher_for(inbox, src, **kwargs)

        def store(batch: Batch) -> StoreResult:
            result = store_mentions(inbox, source_id, batch.messages, batch.next_cursor)
            new_ids.extend(result.mention_ids)
            return StoreResult(stored=result.stored, skipped=result.skipped)

        outcome = poll_channel(
            client,
            state,
            store,
            inbox.clock().timestamp(),
            policy=policy or PollPolicy(interval=INTERVAL),
            force=force,
        )
        _save(inbox, source_id, outcome.state)
        h = outcome.health
        report = SourceReport(source_id, outcome.called, h.fetched, h.stored, h.status, h.last_error)
    finally:
        with inbox.unit_of_work() as uow:
            uow.session.execute(
                update(ListeningSource).where(ListeningSource.id == source_id).values(poll_lease_until=None)
            )
    if new_ids:
        promote_by_rules(inbox, new_ids)
    return report


def _save(inbox: Inbox, source_id: int, st: PollState) -> None:
    with inbox.unit_of_work() as uow:
        src = uow.session.get(ListeningSource, source_id)
        if st.cursor is not None:
            src.cursor = st.cursor
        src.next_poll_at = _dt(st.next_poll_at)
        src.consecutive_failures = st.consecutive_failures
        src.last_success_at = _dt(st.last_success_at)
        src.last_error = st.last_error
        src.poll_state = {**(src.poll_state or {}), "blocked_until": st.blocked_until}


def poll_stream(inbox: Inbox, stream_id: int, force: bool = False, **kwargs: Any) -> list[SourceReport]:
    """Poll every source of one stream (the page's "search now")."""
    with inbox.read() as s:
        ids = list(s.scalars(select(ListeningSource.id).where(ListeningSource.stream_id == stream_id)))
    return [poll_source(inbox, i, force=force, **kwargs) for i in ids]


def due_sources(inbox: Inbox) -> list[int]:
    """Sources of enabled streams whose next poll time has come."""
    now = inbox.clock()
    with inbox.read() as s:
        return list(
            s.scalars(
                select(ListeningSource.id)
                .join(ListeningStream, ListeningStream.id == ListeningSource.stream_id)
                .where(
                    ListeningStream.enabled.is_(True),
                    or_(ListeningSource.next_poll_at.is_(None), ListeningSource.next_poll_at <= now),
                )
                .order_by(ListeningSource.id)
            )
        )


def poll_due(inbox: Inbox) -> int:
    """The periodic job: poll every due source; how many new mentions were stored."""
    total = 0
    for source_id in due_sources(inbox):
        try:
            total += poll_source(inbox, source_id).stored
        except NotFound:  # deleted meanwhile
            continue
    return total
