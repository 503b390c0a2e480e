"""Sending replies: claim due outbox rows with a lease, send outside the transaction, record the outcome.

A crash mid-send leaves the lease to expire and the reply is tried again (at least once); a reply is
marked failed only after `MAX_ATTEMPTS`, with the reason shown in the conversation.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from connectors.errors import ConnectorError, PermanentError
from connectors.types import Author, OutboundReply
from inbox.attachments.records import files_for_reply
from inbox.channels.accounts import connector_for
from inbox.conversations.replies import delivery_dict
from inbox.store.context import Inbox
from inbox.store.events import conversation_rooms
from inbox.store.models import ChannelAccount, Conversation, Identity, Message, Outbox, OutboxStatus

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter: 10 s, 20 s, 40 s ... capped at one hour."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(3600, 10 * 2 ** max(0, attempts - 1)))


def deliver_due(inbox: Inbox, limit: int = 50) -> int:
    """Send what is due; returns how many were attempted. Safe to run in several workers at once."""
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
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
            box.attempts += 1
            box.next_attempt_at = now + LEASE
        ids = [b.id for b in claimed]
    for box_id in ids:
        _send_one(inbox, box_id)
    return len(ids)


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
    reply = OutboundReply(
        channel=conv.channel,
        thread_key=conv.thread_key,
        text=msg.text,
        in_reply_to=last_in[0] if last_in else None,
        public=conv.public,
        recipient=Author(last_in[1].external_id, last_in[1].handle, last_in[1].display_name)
        if last_in
        else None,
        attachments=files_for_reply(inbox, msg.id),
    )
    outcome: dict[str, Any]
    try:
        external_id = connector_for(inbox, ch).send_reply(reply)
        outcome = {"status": OutboxStatus.SENT.value, "sent_external_id": external_id, "last_error": None}
    except PermanentError as exc:
        outcome = {"status": OutboxStatus.FAILED.value, "last_error": str(exc) or type(exc).__name__}
    except (ConnectorError, OSError) as exc:
        outcome = {"last_error": str(exc) or type(exc).__name__}
    _record(inbox, box_id, outcome)


def _record(inbox: Inbox, box_id: int, outcome: dict[str, Any]) -> None:
    now = inbox.clock()
    with inbox.unit_of_work() as uow:
        box = uow.session.get(Outbox, box_id)
        for key, value in outcome.items():
            setattr(box, key, value)
        if box.status == OutboxStatus.SENT.value:
            box.sent_at = now
            msg = uow.session.get(Message, box.message_id)
            msg.external_id = box.sent_external_id
        elif box.status == OutboxStatus.QUEUED.value:
            if box.attempts >= MAX_ATTEMPTS:
                box.status = OutboxStatus.FAILED.value
            else:
                box.next_attempt_at = now + backoff(box.attempts)
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
