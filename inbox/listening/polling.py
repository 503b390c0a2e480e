"""Polling a stream's sources with the channels' poll runner: lease, cursor, 429 block, backoff, health.

`inbox.channels.poll_runner` claims the source, runs the poller and saves its state, as for a
channel. Each page and its cursor are committed together by `store_mentions`; a 429 keeps the
cursor where the last committed page left it and blocks the source until the network's reset
time, even against "poll now".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from connectors import search
from connectors.poller import PollPolicy, StoreResult
from connectors.types import Batch
from inbox.channels import poll_runner
from inbox.listening.mentions import store_mentions
from inbox.listening.promotion import promote_by_rules
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount, ListeningSource, ListeningStream
from inbox.store.security import decrypt_secrets

INTERVAL = 300.0  # search APIs are costlier than notifications: every five minutes


@dataclass(frozen=True)
class SourceReport:
    source_id: int
    ran: bool
    fetched: int = 0
    stored: int = 0
    status: str = "ok"
    error: str | None = None


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
    new_ids: list[int] = []

    def prepare(src: ListeningSource) -> tuple[Any, PollPolicy]:
        return searcher_for(inbox, src, **kwargs), policy or PollPolicy(interval=INTERVAL)

    def store(batch: Batch) -> StoreResult:
        result = store_mentions(inbox, source_id, batch.messages, batch.next_cursor)
        new_ids.extend(result.mention_ids)
        return StoreResult(stored=result.stored, skipped=result.skipped)

    # store_mentions counts each page's stored mentions in the page's own transaction
    outcome = poll_runner.run_poll(
        inbox, ListeningSource, source_id, prepare, store, force, store_counts=True
    )
    if outcome is None:
        return SourceReport(source_id, False, status="busy")
    h = outcome.health
    if new_ids:
        promote_by_rules(inbox, new_ids)
    return SourceReport(source_id, outcome.called, h.fetched, h.stored, h.status, h.last_error)


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
