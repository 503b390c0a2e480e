"""The batch's working conversations: plain copies of the rows that rules, ranking, routing and
SLA code change, and how they are written back (new ones inserted once with their final values,
existing ones updated with only what changed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session

from inbox.store.models import Conversation, ConversationLabel, Customer, Status
from inbox.store.sql import Record, dialect_of, insert_with_ids, update_rows


class WorkingConversation(Record):
    """A conversation row as plain attributes: the pipeline's working copy.

    Rules, ranking, routing and SLA code read and set the same attribute names as on the ORM
    model, but without instrumentation (hundreds of thousands of attribute events per batch);
    the copies are written back with one executemany UPDATE at the end.
    Columns a new conversation leaves unset read the class-level None below.
    """


for _column in Conversation.__table__.columns:
    setattr(WorkingConversation, _column.key, None)


CONV = Conversation.__table__
NEW_DEFAULTS = {
    "priority": 0.0,
    "rank_key": 0.0,
    "rank_curve": 0.0,
    "sentiment": 0.0,
    "message_count": 0,
    "assigned_manually": False,
    "queue_reason": "",
}

# Loaded for existing conversations: every column but the rank components, which the batch
# recomputes for every conversation it touches (parsing their JSON was a fifth of the load).
LOADED = tuple(c for c in CONV.columns if c.key != "priority_components")
INSERTABLE = tuple(c.key for c in Conversation.__table__.columns if c.key != "id")
WRITABLE = (
    "status",
    "snoozed_until",
    "priority",
    "rank_key",
    "rank_curve",
    "rank_settles_at",
    "priority_components",
    "sentiment",
    "language",
    "assignee_id",
    "assigned_manually",
    "team_id",
    "queue_reason",
    "message_count",
    "last_message_at",
    "last_customer_message_at",
    "waiting_since",
    "first_response_at",
    "last_agent_reply_at",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "resolved_at",
    "resolved_by_id",
    "updated_at",
)


insertable = attrgetter(*INSERTABLE)  # the values as one tuple, read in C
WRITE_KEYS = ("_id", *WRITABLE)
writable_values = attrgetter("id", *WRITABLE)


def new_conversation(
    account_id: int, team_id: int | None, m: Any, customer_id: int, now: datetime
) -> WorkingConversation:
    """The working copy of a thread's first message: no id until `insert_new` writes it."""
    conv = WorkingConversation(NEW_DEFAULTS)
    conv.__dict__.update(
        customer_id=customer_id,
        channel_account_id=account_id,
        channel=m.channel,
        thread_key=m.thread_key,
        subject=(m.subject or m.text)[:200],  # e-mail keeps its own subject
        public=m.public,
        team_id=team_id,
        status=Status.OPEN.value,
        created_at=now,
        updated_at=now,
        last_message_at=aware(m.created_at),
        priority_components=[],
    )
    return conv


def insert_new(s: Session, convs: list[WorkingConversation]) -> None:
    """Insert new conversations in one statement and give the working copies their ids."""
    if not convs:
        return
    rows = [dict(zip(INSERTABLE, insertable(c), strict=True)) for c in convs]
    for conv, new_id in zip(convs, insert_with_ids(s, CONV, rows), strict=True):
        conv.id = new_id


def update_changed(s: Session, convs: list[WorkingConversation], loaded: dict[int, tuple[Any, ...]]) -> None:
    """Write back each conversation's columns that differ from what the batch loaded (all of them
    for one it created), one executemany per set of changed columns. Every column in an UPDATE's
    SET list makes SQLite rewrite the entries of each index over it, changed or not: a new message
    in an open thread changes its rank and times but not its status, assignee, team or SLA times,
    whose six indexes the full-row UPDATE rewrote for every such conversation. PostgreSQL keeps
    one statement (one round trip) with every column: it compares the values itself."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    whole = dialect_of(s) != "sqlite"  # PostgreSQL skips unchanged indexed values itself (HOT)
    for conv in convs:
        values = writable_values(conv)
        before = None if whole else loaded.get(conv.id)
        if before is None:
            groups[WRITE_KEYS].append(dict(zip(WRITE_KEYS, values, strict=True)))
            continue
        row = {"_id": conv.id}
        for key, value, was in zip(WRITE_KEYS, values, before, strict=True):
            if value != was or key in _ALWAYS_WRITTEN:
                row[key] = value
        groups[tuple(row)].append(row)
    for rows in groups.values():
        update_rows(s, CONV, rows)


# Not loaded (`LOADED`), so not comparable: recomputed and written for every conversation touched.
_ALWAYS_WRITTEN = frozenset({"priority_components"})


def absorb(conv: Conversation, rows: list[dict[str, Any]], customer: Customer | None, now: datetime) -> None:
    """Fold new inbound messages into the conversation's running facts."""
    first, last = rows[0], rows[-1]
    conv.message_count += len(rows)
    conv.last_message_at = (
        max(conv.last_message_at, last["created_at"]) if conv.last_message_at else last["created_at"]
    )
    conv.last_customer_message_at = last["created_at"]
    if conv.waiting_since is None:
        conv.waiting_since = first["created_at"]
    if conv.status in (Status.RESOLVED.value, Status.SNOOZED.value, Status.PENDING.value):
        conv.status = Status.OPEN.value
        conv.snoozed_until = None
        conv.resolved_at = conv.resolved_by_id = None
        if not conv.assigned_manually:
            conv.assignee_id = None
    conv.language = last["language"]
    conv.sentiment = last["sentiment"]
    conv.updated_at = now


def save_labels(s: Session, conv_id: int, before: set[str], after: set[str], added_rows: list[dict]) -> None:
    """Collect the labels a batch added (inserted together later) and delete those it removed."""
    added_rows.extend({"conversation_id": conv_id, "label": x} for x in after - before)
    gone = before - after
    if gone:
        s.execute(
            ConversationLabel.__table__.delete().where(
                ConversationLabel.conversation_id == conv_id, ConversationLabel.label.in_(gone)
            )
        )


def aware(dt: datetime) -> datetime:
    """A connector's naive time read as UTC, as the database stores it."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
