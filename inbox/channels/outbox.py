"""Sending replies: claim due outbox rows with a lease, send outside the transaction, record the outcome.

A reply is sent at most once per outbox row, whatever the network answers:

* A claimed row is marked `sending` in the claiming transaction, before the network is called.
  If the worker dies mid-send the row stays `sending`; once its lease runs out it is sent again
  only on networks that de-duplicate by the Idempotency-Key we send (`idempotent_replies`);
  elsewhere it is marked failed with "delivery unknown", for an agent to check and retry.
* Whatever id the network answers with is recorded. An id another message of the channel
  already holds (a network that reuses ids, or echoes one back) stays on the outbox row only,
  instead of failing the unique index and leaving the reply queued to be sent again.
* Transient failures (the network said no, or could not be reached) are retried with
  exponential backoff and jitter; a reply is marked failed with its reason after `MAX_ATTEMPTS`.
* A reply the network takes in several calls (Telegram: one per file) commits each delivered
  part in `parts_sent` as soon as the network confirms it; a retry sends only the parts after
  those, so no file reaches the customer twice.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors import registry
from connectors.errors import ConnectorError, PermanentError
from connectors.types import Author, OutboundReply
from inbox.attachments.records import files_for_reply
from inbox.channels import signals
from inbox.channels.accounts import connector_for
from inbox.conversations.replies import delivery_dict
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.events import conversation_rooms
from inbox.store.models import ChannelAccount, Conversation, Identity, Message, Outbox, OutboxStatus
from inbox.store.sql import lock_channel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 10 s, 20 s, 40 s ... capped at one hour."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(3600, 10 * 2 ** max(0, attempts - 1)))


def deliver_due(inbox: Inbox, limit: int = 50) -> int:
    """Send what is due; returns how many were attempted. Safe to run in several workers at once."""
    now = inbox.clock()
    waiting = Outbox.status.in_((OutboxStatus.QUEUED.value, OutboxStatus.SENDING.value))
    with inbox.read() as s:  # nothing due is the usual case: then no write lock is taken
        if s.scalar(select(Outbox.id).where(waiting, Outbox.next_attempt_at <= now).limit(1)) is None:
            return 0
    with inbox.unit_of_work() as uow:
        _settle_abandoned(uow, now, inbox.dialect)
        q = (
            select(Outbox)
            .where(Outbox.status == OutboxStatus.QUEUED.value, Outbox.next_attempt_at <= now)
            .order_by(Outbox.next_attempt_at)
            .limit(limit)
        )
        if inbox.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        claimed = list(uow.session.scalars(q))
        for box in claimed:
            box.status = OutboxStatus.SENDING.value  # committed before the network is called
            box.attempts += 1
            box.next_attempt_at = now + LEASE
        ids = [b.id for b in claimed]
    for box_id in ids:
        _send_one(inbox, box_id)
    return len(ids)


def _settle_abandoned(uow: UnitOfWork, now: Any, dialect: str) -> None:
    """Rows left `sending` past their lease: a worker died mid-send, so the reply may have gone.

    Networks that honour our Idempotency-Key get it again (the network drops the repeat);
    on the others a second send could double the reply, so it fails for an agent to check."""
    q = (
        select(Outbox, ChannelAccount.kind)
        .join(ChannelAccount, ChannelAccount.id == Outbox.channel_account_id)
        .where(Outbox.status == OutboxStatus.SENDING.value, Outbox.next_attempt_at <= now)
    )
    if dialect == "postgresql":
        q = q.with_for_update(of=Outbox, skip_locked=True)
    for box, kind in uow.session.execute(q).all():
        for key, value in _unknown(kind, "sending stopped midway").items():
            setattr(box, key, value)
        if box.status == OutboxStatus.QUEUED.value:
            if box.attempts >= MAX_ATTEMPTS:
                box.status = OutboxStatus.FAILED.value
            box.next_attempt_at = now
        _emit(uow, box)


def _unknown(kind: str, why: str) -> dict[str, Any]:
    """The outcome when we cannot tell whether the network took the reply: send it again only
    where the network drops a repeat of the same Idempotency-Key, else stop for an agent."""
    if _idempotent(kind):
        return {"status": OutboxStatus.QUEUED.value, "last_error": f"{why}; sending again with the same key"}
    return {
        "status": OutboxStatus.FAILED.value,
        "last_error": f"delivery unknown ({why}): check the conversation on the network before retrying",
    }


def _idempotent(kind: str) -> bool:
    try:
        return bool(getattr(registry.get(kind), "idempotent_replies", False))
    except ConnectorError:
        return False


def idempotency_key(box: Outbox) -> str:
    """Stable per outbox row, so a resend after a crash is recognised by the network."""
    return f"murmur-outbox-{box.id}-{box.created_at:%Y%m%d%H%M%S%f}"


def _send_one(inbox: Inbox, box_id: int) -> None:
    with inbox.read() as s:
        box = s.get(Outbox, box_id)
        msg = s.get(Message, box.message_id)
        conv = s.get(Conversation, box.conversation_id)
        ch = s.get(ChannelAccount, box.channel_account_id)
        last_in = s.execute(
            select(Message.external_id, Identity)
            .join(Identity, Identity.id == Message.author_identity_id)
            .where(Message.conversation_id == conv.id, Message.direction == "in")
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        ).first()
        metadata = {"outbox_id": idempotency_key(box), "channel": conv.channel}
        if conv.subject:
            metadata["subject"] = conv.subject  # e-mail answers "Re: <the customer's subject>"
        if conv.channel == "email" and conv.thread_key.startswith("<"):
            metadata["references"] = conv.thread_key  # the thread's first Message-ID
        if box.template:
            metadata["template"] = json.dumps(box.template)  # WhatsApp outside its 24-hour window
        connector = connector_for(inbox, ch)
    takes_handles = getattr(registry.get(ch.kind), "reply_handles", False)
    handle = signals.handle_for(inbox, ch.id, conv.thread_key) if takes_handles else None
    if handle is not None:  # LINE: answer free with the chat's reply token while it is valid
        age = inbox.clock().timestamp() - handle[1]  # by the inbox's clock, as everything it times
        metadata["reply_token"], metadata["reply_token_age"] = handle[0], f"{age:.3f}"
    routes: list[str] = []
    reply = OutboundReply(
        channel=conv.channel,
        thread_key=conv.thread_key,
        text=msg.text,
        in_reply_to=last_in[0] if last_in else None,
        public=conv.public,
        recipient=Author(
            last_in[1].external_id,
            last_in[1].handle,
            last_in[1].display_name,
            email=last_in[1].email,
        )
        if last_in
        else None,
        metadata=metadata,
        attachments=files_for_reply(inbox, msg.id),
        parts_sent=tuple(box.parts_sent or ()),
        on_part=lambda part_id: _note_part(inbox, box_id, part_id),
        on_route=routes.append,
    )
    outcome: dict[str, Any]
    try:
        external_id = connector.send_reply(reply)
        sent = str(external_id) if external_id not in (None, "") else None
        outcome = {"status": OutboxStatus.SENT.value, "sent_external_id": sent, "last_error": None}
        if routes:
            outcome["route"] = routes[-1]
            if routes[-1] == "reply token" and handle is not None:
                signals.spend(inbox, ch.id, conv.thread_key, handle[0])
    except PermanentError as exc:
        outcome = {"status": OutboxStatus.FAILED.value, "last_error": str(exc) or type(exc).__name__}
    except (ConnectorError, OSError) as exc:
        outcome = {"status": OutboxStatus.QUEUED.value, "last_error": str(exc) or type(exc).__name__}
    except Exception as exc:  # an answer we could not read: the network may well have taken the reply
        log.exception("outbox %s: unreadable answer from %s", box_id, ch.kind)
        outcome = _unknown(ch.kind, f"{type(exc).__name__} reading the network's answer")
    try:
        _record(inbox, box_id, outcome)
    except Exception:
        if outcome["status"] != OutboxStatus.SENT.value:
            raise
        # The reply is out: whatever went wrong saving its details, never leave it to be sent again.
        log.exception("outbox %s: recording the sent reply failed; marking it sent only", box_id)
        _record_sent_only(inbox, box_id, outcome["sent_external_id"])


def _note_part(inbox: Inbox, box_id: int, part_id: str) -> None:
    """Commit one delivered part of a reply at once (a file of a Telegram reply), so a retry
    after a later part failed, or after the worker died, sends only what is still missing."""
    with inbox.unit_of_work() as uow:
        box = uow.session.get(Outbox, box_id)
        box.parts_sent = [*(box.parts_sent or []), part_id]  # a new list: JSON columns track assignment


def _record(inbox: Inbox, box_id: int, outcome: dict[str, Any]) -> None:
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        box = uow.session.get(Outbox, box_id)
        for key, value in outcome.items():
            setattr(box, key, value)
        if box.status == OutboxStatus.SENT.value:
            box.sent_at = now
            _claim_external_id(uow, box)
        elif box.status == OutboxStatus.QUEUED.value:
            if box.attempts >= MAX_ATTEMPTS:
                box.status = OutboxStatus.FAILED.value
            else:
                box.next_attempt_at = now + backoff(box.attempts)
        _emit(uow, box)


def _claim_external_id(uow: UnitOfWork, box: Outbox) -> None:
    """Give the reply's message the network's id unless another message of the channel holds it.

    Taken under the channel's ingest lock, so a poll storing the same id cannot slip in between."""
    if box.sent_external_id is None:
        return
    s = uow.session
    lock_channel(s, box.channel_account_id)
    holder = s.scalar(
        select(Message.id).where(
            Message.channel_account_id == box.channel_account_id,
            Message.external_id == box.sent_external_id,
            Message.id != box.message_id,
        )
    )
    if holder is None:
        s.get(Message, box.message_id).external_id = box.sent_external_id
    else:
        box.last_error = (
            f"sent; the network answered with id {box.sent_external_id}, which message {holder} "
            "already has, so the id is kept on this delivery only"
        )


def _record_sent_only(inbox: Inbox, box_id: int, external_id: str | None) -> None:
    with inbox.unit_of_work() as uow:
        box = uow.session.get(Outbox, box_id)
        box.status = OutboxStatus.SENT.value
        box.sent_external_id = external_id
        box.sent_at = inbox.clock()
        _emit(uow, box)


def _emit(uow: UnitOfWork, box: Outbox) -> None:
    conv = uow.session.get(Conversation, box.conversation_id)
    uow.emit(
        "outbox.updated",
        {
            "message_id": box.message_id,
            "conversation_id": box.conversation_id,
            "delivery": delivery_dict(box),
        },
        conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
    )


def retry(inbox: Inbox, message_id: int) -> None:
    """Put a failed reply back in the queue (an agent's explicit retry)."""
    with inbox.unit_of_work() as uow:
        box = uow.session.scalar(select(Outbox).where(Outbox.message_id == message_id))
        if box is not None and box.status == OutboxStatus.FAILED.value:
            box.status = OutboxStatus.QUEUED.value
            box.attempts = 0
            box.next_attempt_at = inbox.clock()
