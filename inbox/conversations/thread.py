"""A conversation's messages a page at a time (keyset pagination), and a customer's timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from inbox.attachments.records import attachments_of
from inbox.conversations.replies import delivery_dict
from inbox.conversations.serialize import message_dict
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Identity, Message, Outbox
from inbox.store.sql import Record

PAGE = 50  # messages in a conversation's first page (and each older one) unless asked otherwise
MAX_PAGE = 200

# A page is read as plain Core rows, not ORM entities: building three identity-mapped objects
# per message (message, author, delivery) cost more than the index scan that finds them
# (issue 22: 94.5 ms a first page of 200 messages through HTTP against 0.6 ms of bare SQL on the
# one-year SQLite bench). `message_dict` reads the same attribute names from a `Record`.
_MESSAGE = (
    Message.id, Message.conversation_id, Message.direction, Message.external_id, Message.author_agent_id,
    Message.text, Message.html, Message.url, Message.language, Message.sentiment, Message.sentiment_label,
    Message.sentiment_reasons, Message.sentiment_corrected_by, Message.sentiment_model, Message.public,
    Message.mentions, Message.created_at,
)  # fmt: skip
_AUTHOR = (
    Identity.id, Identity.channel, Identity.external_id, Identity.handle, Identity.display_name,
    Identity.profile_url, Identity.followers, Identity.verified, Identity.email,
)  # fmt: skip
_DELIVERY = (
    Outbox.id,
    Outbox.status,
    Outbox.attempts,
    Outbox.last_error,
    Outbox.sent_external_id,
    Outbox.sent_at,
    Outbox.route,
    Outbox.network_state,
    Outbox.network_error,
)
# Built once, with parameters (see inbox.conversations.detail): the newest page, and a page
# before a cursor; each is one statement object reused by every request.
_PAGE_OF = (
    select(*_MESSAGE, *_AUTHOR, *_DELIVERY)
    .select_from(Message)
    .outerjoin(Identity, Identity.id == Message.author_identity_id)
    .outerjoin(Outbox, Outbox.message_id == Message.id)
    .where(Message.conversation_id == bindparam("conversation_id"))
)
_ORDER = (Message.created_at.desc(), Message.id.desc())
_LIMIT = bindparam("limit", type_=Integer)
_NEWEST = _PAGE_OF.order_by(*_ORDER).limit(_LIMIT)
_BEFORE = (
    _PAGE_OF.where(
        Message.created_at <= bindparam("at"),
        or_(Message.created_at < bindparam("at"), Message.id < bindparam("before")),
    )
    .order_by(*_ORDER)
    .limit(_LIMIT)
)
_CURSOR_AT = select(Message.created_at).where(
    Message.id == bindparam("before"), Message.conversation_id == bindparam("conversation_id")
)
_PARTS = tuple((len(cols), tuple(c.key for c in cols)) for cols in (_MESSAGE, _AUTHOR, _DELIVERY))


def _page_rows(rows: list[Any]) -> list[tuple[Record, Record | None, Record | None]]:
    """Each (message, author, delivery) row as Records; an outer join's missing side is None."""
    out = []
    for row in rows:
        parts: list[Record | None] = []
        at = 0
        for n, names in _PARTS:
            values = row[at : at + n]
            parts.append(Record(zip(names, values, strict=True)) if values[0] is not None else None)
            at += n
        out.append((parts[0], parts[1], parts[2]))
    return out  # type: ignore[return-value]


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
        raise Invalid(N_("limit must be between 1 and %(max_page)s"), "limit", max_page=MAX_PAGE)
    params: dict[str, Any] = {"conversation_id": conversation_id, "limit": limit + 1}
    q = _NEWEST
    if before is not None:
        at = (
            s.connection()
            .execute(_CURSOR_AT, {"before": before, "conversation_id": conversation_id})
            .scalar()
        )
        if at is None:
            # a well-formed cursor that names no message of this conversation: a 404, as a path id
            raise NotFound(N_("before names no message of this conversation"), "before")
        q, params["at"], params["before"] = _BEFORE, at, before
    rows = _page_rows(s.connection().execute(q, params).all())
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
