"""Outbound replies and notes. A reply is written with its outbox row in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from inbox.conversations.ranking import stop_waiting
from inbox.conversations.serialize import message_dict
from inbox.store.models import Conversation, Direction, Message, Outbox, OutboxStatus


def queue_reply(
    session: Session,
    conv: Conversation,
    text: str,
    agent_id: int | None,
    now: datetime,
    language: str | None = None,
) -> tuple[Message, Outbox]:
    """Store the reply and its outbox entry; a worker sends it later, with retries. `language` records
    which language an automatic reply was sent in (a canned variant, a translated invitation)."""
    msg = Message(
        conversation_id=conv.id,
        channel_account_id=conv.channel_account_id,
        direction=Direction.OUT.value,
        author_agent_id=agent_id,
        text=text,
        language=language[:10] if language else None,
        public=conv.public,
        created_at=now,
        received_at=now,
        sentiment_reasons=[],
    )
    session.add(msg)
    session.flush()
    box = Outbox(
        message_id=msg.id,
        conversation_id=conv.id,
        channel_account_id=conv.channel_account_id,
        status=OutboxStatus.QUEUED.value,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(box)
    conv.message_count += 1
    conv.last_message_at = now
    conv.last_agent_reply_at = now
    stop_waiting(conv, now)
    conv.waiting_since = None
    if conv.first_response_at is None:
        conv.first_response_at = now
        conv.first_response_agent_id = agent_id
    conv.updated_at = now
    session.flush()
    return msg, box


def reply_payload(msg: Message, box: Outbox | None) -> dict[str, Any]:
    """The `message.created` message of a reply Murmur made itself (a rule's canned reply, a
    survey invitation): announced like an agent's, so agents see it live and a widget visitor
    gets it through the relay (web.widget.live) from whichever process made it."""
    return message_dict(msg, None, delivery_dict(box), [])


def add_note(session: Session, conv: Conversation, text: str, agent_id: int, now: datetime) -> Message:
    msg = Message(
        conversation_id=conv.id,
        channel_account_id=conv.channel_account_id,
        direction=Direction.NOTE.value,
        author_agent_id=agent_id,
        text=text,
        public=False,
        created_at=now,
        received_at=now,
        sentiment_reasons=[],
    )
    session.add(msg)
    conv.updated_at = now
    session.flush()
    return msg


def delivery_dict(box: Outbox | None) -> dict | None:
    if box is None:
        return None
    return {
        "status": box.status,
        "attempts": box.attempts,
        "error": box.last_error,
        "external_id": box.sent_external_id,
        "sent_at": box.sent_at.isoformat() if box.sent_at else None,
        # the way it went (LINE: reply token or push API) and what the network reported since
        "route": box.route,
        "network_state": box.network_state,
        "network_error": box.network_error,
    }
