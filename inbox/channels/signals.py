"""What a delivery says besides its messages: reply tokens to keep, and reports on sent replies.

LINE gives each event a reply token (a free answer, valid briefly and once); it is kept per chat
in `reply_handles` for the outbox. WhatsApp reports what became of each reply (`statuses`:
sent, delivered, read, failed with why); the reply's outbox row takes the state, never moving
backwards (a late "delivered" after "read" is ignored; "failed" always wins), and the thread
hears `outbox.updated` after commit.

Both run in the webhook request in every mode: they are a few single-row statements, and a
status must not wait behind a lane of messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from connectors.types import DeliveryStatus, ReplyHandle
from inbox.conversations.replies import delivery_dict
from inbox.store.context import Inbox, UnitOfWork
from inbox.store.events import conversation_rooms
from inbox.store.models import Conversation, Outbox
from inbox.store.models import ReplyHandle as HandleRow

ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def apply(
    inbox: Inbox, channel_id: int, handles: Sequence[ReplyHandle], statuses: Sequence[DeliveryStatus]
) -> int:
    """Keep the newest reply token per chat and apply delivery reports; returns replies updated."""
    if not handles and not statuses:
        return 0
    with inbox.unit_of_work() as uow:
        for h in handles:
            _keep(uow, channel_id, h)
        return sum(_report(uow, channel_id, st) for st in statuses)


def _keep(uow: UnitOfWork, channel_id: int, h: ReplyHandle) -> None:
    s = uow.session
    insert = postgresql.insert if uow.session.bind.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(HandleRow).values(
        channel_account_id=channel_id, thread_key=h.thread_key, token=h.token, at=h.at
    )
    table = HandleRow.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel_account_id", "thread_key"],
        set_={"token": stmt.excluded.token, "at": stmt.excluded.at},
        where=table.c.at <= stmt.excluded.at,  # an older event redelivered late keeps the newer token
    )
    s.execute(stmt)


def _report(uow: UnitOfWork, channel_id: int, st: DeliveryStatus) -> int:
    s = uow.session
    box = s.scalar(
        select(Outbox).where(
            Outbox.channel_account_id == channel_id, Outbox.sent_external_id == st.external_id
        )
    )
    if box is None:
        return 0  # a message sent from elsewhere (the phone app, another tool): not ours to track
    if box.network_state and ORDER.get(box.network_state, 0) >= ORDER[st.state] and st.state != "failed":
        return 0
    box.network_state = st.state
    box.network_error = st.error
    box.network_state_at = st.at
    conv = s.get(Conversation, box.conversation_id)
    uow.emit(
        "outbox.updated",
        {
            "message_id": box.message_id,
            "conversation_id": box.conversation_id,
            "delivery": delivery_dict(box),
        },
        conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
    )
    return 1


def handle_for(inbox: Inbox, channel_id: int, thread_key: str) -> tuple[str, float] | None:
    """The chat's unused reply token and its event time (epoch seconds), or None."""
    with inbox.read() as s:
        row = s.get(HandleRow, (channel_id, thread_key))
        return (row.token, row.at.timestamp()) if row is not None else None


def spend(inbox: Inbox, channel_id: int, thread_key: str, token: str) -> None:
    """A token is good once: forget it after a reply used it (unless a newer one replaced it)."""
    with inbox.unit_of_work() as uow:
        uow.session.execute(
            delete(HandleRow).where(
                HandleRow.channel_account_id == channel_id,
                HandleRow.thread_key == thread_key,
                HandleRow.token == token,
            )
        )
