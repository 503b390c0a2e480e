"""A conversation's messages a page at a time (keyset pagination), and a customer's timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inbox.attachments.records import attachments_of
from inbox.conversations.replies import delivery_dict
from inbox.conversations.serialize import message_dict
from inbox.store.errors import Invalid, NotFound
from inbox.store.models import Identity, Message, Outbox

PAGE = 50  # messages in a conversation's first page (and each older one) unless asked otherwise
MAX_PAGE = 200


def message_page(
    s: Session, conversation_id: int, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to `limit` messages of the conversation, newest first from the keyset cursor `before`
    (a message id: strictly older than it by (created_at, id)), returned oldest first for
    reading; and the cursor for the page before them, or None at the first message.

    The (conversation_id, created_at, id) index hands the rows over in order, so a page reads
    `limit + 1` index entries however long the conversation is; never OFFSET.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", "limit")
    q = (
        select(Message, Identity, Outbox)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Outbox, Outbox.message_id == Message.id)
        .where(Message.conversation_id == conversation_id)
    )
    if before is not None:
        at = s.scalar(
            select(Message.created_at).where(Message.id == before, Message.conversation_id == conversation_id)
        )
        if at is None:
            # a well-formed cursor that names no message of this conversation: a 404, as a path id
            raise NotFound("before names no message of this conversation", "before")
        q = q.where(Message.created_at <= at, or_(Message.created_at < at, Message.id < before))
    rows = s.execute(q.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)).all()
    more = rows[limit - 1][0].id if len(rows) > limit else None
    page = rows[:limit]
    files = attachments_of(s, [m.id for m, _, _ in page])
    return [
        message_dict(m, ident, delivery_dict(box), files.get(m.id)) for m, ident, box in reversed(page)
    ], more


def messages_of(s: Session, conversation_ids: list[int]) -> list[dict[str, Any]]:
    """Every message of the conversations, oldest first (a customer's cross-channel timeline)."""
    rows = s.execute(
        select(Message, Identity, Outbox)
        .outerjoin(Identity, Identity.id == Message.author_identity_id)
        .outerjoin(Outbox, Outbox.message_id == Message.id)
        .where(Message.conversation_id.in_(conversation_ids))
        .order_by(Message.created_at, Message.id)
    ).all()
    files = attachments_of(s, [m.id for m, _, _ in rows])
    return [message_dict(m, ident, delivery_dict(box), files.get(m.id)) for m, ident, box in rows]
