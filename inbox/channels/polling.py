"""Polling a channel: the shared poll runner with the channel's connector, each page stored by `ingest`.

The lease, cursor and health handling is `poll_runner`'s (shared with listening sources). The
page's messages and its cursor are committed together by `ingest`, so a crash can lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from connectors import registry
from connectors.poller import PollPolicy, StoreResult
from connectors.types import Batch
from inbox.channels import poll_runner
from inbox.channels.accounts import connector_for
from inbox.channels.inbound_checks import message_problem
from inbox.ingest import ingest
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount


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


def claim(inbox: Inbox, channel_id: int) -> bool:
    """Take the channel's poll lease (see `poll_runner.claim`)."""
    return poll_runner.claim(inbox, ChannelAccount, channel_id)


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

    def prepare(ch: ChannelAccount) -> tuple[Any, PollPolicy]:
        max_pages = int(ch.settings.get("max_pages", PollPolicy.max_pages))
        return connector_for(inbox, ch, **connector_kwargs), policy or PollPolicy(
            interval=float(ch.poll_interval_seconds), max_pages=max_pages
        )

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

    outcome = poll_runner.run_poll(inbox, ChannelAccount, channel_id, prepare, store, force, refused)
    if outcome is None:
        return PollReport(channel_id, False, status="busy", error="another scheduler is polling this channel")
    h = outcome.health
    return PollReport(
        channel_id, outcome.called, h.fetched, h.stored, h.skipped, h.status, h.last_error, h.as_dict()
    )


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
