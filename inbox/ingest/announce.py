"""The events of a batch: queued on the unit of work, which publishes them only after commit
(a listener must never see a conversation the transaction may still roll back)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inbox.automation import engine as automation
from inbox.conversations.replies import reply_payload
from inbox.conversations.serialize import conversation_dict, inbound_row_dict
from inbox.store.context import UnitOfWork
from inbox.store.events import conversation_rooms
from inbox.store.models import Conversation, Customer, Message


def announce(
    uow: UnitOfWork,
    conv: Conversation,
    customer: Customer | None,
    labels: set[str],
    new_messages: list[tuple[dict[str, Any], Any]],
    created: bool,
    assigned: bool,
    outcome: automation.Outcome,
    replies: Sequence[tuple[Message, Any]] = (),
) -> None:
    """Queue one conversation's events of the batch: its summary once, each new message and each
    canned reply, and its assignment, escalation and notifications, all to the same rooms."""
    rooms = conversation_rooms(conv.team_id, conv.assignee_id, conv.id)
    summary = conversation_dict(conv, customer, sorted(labels))
    uow.emit("conversation.created" if created else "conversation.updated", {"conversation": summary}, rooms)
    for row, ident in new_messages:  # rows as inserted, ids included
        uow.emit("message.created", {"message": inbound_row_dict(row, ident), "conversation": summary}, rooms)
    for msg, box in replies:  # canned replies the rules sent
        uow.emit("message.created", {"message": reply_payload(msg, box), "conversation": summary}, rooms)
    if assigned and conv.assignee_id is not None:
        uow.emit("conversation.assigned", {"conversation": summary, "assignee_id": conv.assignee_id}, rooms)
    if outcome.escalated:
        uow.emit("conversation.escalated", {"conversation": summary, "rules": outcome.escalated}, rooms)
    for note in outcome.notifications:
        uow.emit("notification", {"conversation": summary, **note}, rooms)
