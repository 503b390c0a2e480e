"""The conversation list (`GET /api/conversations`): filters, access, order and its JSON rows.

Rows are read as plain Core rows (the conversation's columns and the three customer fields the
list shows), not as ORM objects: building 50 `Conversation` and `Customer` identities with their
attribute instrumentation cost several times the index scans that find them (issue 22). The JSON
is the one `serialize.conversation_dict` gives, field for field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from inbox.admin.principals import principal
from inbox.conversations import ranked_list
from inbox.conversations.ranking import effective
from inbox.conversations.serialize import conversation_row_dict
from inbox.store.access import visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Conversation, ConversationLabel, Customer, Status

SENTIMENTS = {"negative": (None, -0.05), "neutral": (-0.05, 0.05), "positive": (0.05, None)}
SORTS = {"priority", "newest", "oldest_waiting"}

_C = Conversation.__table__
# what a list row holds: every conversation column and the customer's name, VIP flag and stage
ROW_COLUMNS = (
    *_C.c,
    Customer.name.label("customer_name"),
    Customer.vip.label("customer_vip"),
    Customer.lifecycle_stage.label("customer_stage"),
)


@dataclass(frozen=True)
class ListFilter:
    status: str | None = "open"
    channel: str | None = None
    assignee: str | None = None  # agent id, "me" or "none"
    team: int | None = None
    label: str | None = None
    sentiment: str | None = None
    language: str | None = None
    public: bool | None = None
    # reconnect catch-up: only conversations changed at or after this time, oldest change first
    updated_since: datetime | None = None
    sort: str = "priority"
    limit: int = 50
    offset: int = 0


def _validate(f: ListFilter) -> None:
    if f.sort not in SORTS:
        raise Invalid(N_("sort must be one of %(choices)s"), "sort", choices=", ".join(sorted(SORTS)))
    if f.sentiment is not None and f.sentiment not in SENTIMENTS:
        raise Invalid(N_("sentiment must be negative, neutral or positive"), "sentiment")
    if f.status is not None and f.status not in {s.value for s in Status} | {"all"}:
        raise Invalid(N_("status must be open, pending, snoozed, resolved or all"), "status")


def list_conversations(inbox: Inbox, agent_id: int, f: ListFilter) -> list[dict[str, Any]]:
    """Ranked by priority unless asked otherwise; only what the agent may see."""
    _validate(f)
    with inbox.read() as s:
        if s.get_bind().dialect.name == "postgresql":  # the ranked list reads in several statements
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        agent = principal(s, agent_id)
        if agent is None:
            raise NotFound(N_("agent not found"))
        # No access clause yet: the ranked list reads only what the agent may see, part by part.
        q = select(*ROW_COLUMNS).select_from(_C).join(Customer, Customer.id == Conversation.customer_id)
        statuses = [f.status] if f.status and f.status != "all" else [st.value for st in Status]
        if f.channel:
            q = q.where(Conversation.channel == f.channel)
        if f.assignee == "me":
            q = q.where(Conversation.assignee_id == agent.id)
        elif f.assignee == "none":
            q = q.where(Conversation.assignee_id.is_(None))
        elif f.assignee:
            q = q.where(Conversation.assignee_id == int(f.assignee))
        if f.team is not None:
            q = q.where(Conversation.team_id == f.team)
        if f.label:
            q = q.where(
                Conversation.id.in_(
                    select(ConversationLabel.conversation_id).where(ConversationLabel.label == f.label)
                )
            )
        if f.sentiment:
            lo, hi = SENTIMENTS[f.sentiment]
            if lo is not None:
                q = q.where(Conversation.sentiment > lo)
            if hi is not None:
                q = q.where(Conversation.sentiment < hi)
        if f.language:
            q = q.where(Conversation.language == f.language)
        if f.public is not None:
            q = q.where(Conversation.public.is_(f.public))
        if f.updated_since is not None:
            q = q.where(Conversation.updated_at >= f.updated_since)
        now = inbox.clock()
        if f.sort == "priority" and f.updated_since is None:
            parts = ranked_list.scopes(agent, f.team, f.assignee == "me")
            rows = ranked_list.top(s, q, parts, statuses, min(f.limit, 200), f.offset, now)
        else:
            q = q.where(visible_clause(agent))
            order = (
                {
                    "newest": (Conversation.last_message_at.desc(),),
                    "oldest_waiting": (Conversation.waiting_since.asc(),),
                }.get(f.sort, ())
                if f.updated_since is None
                else (Conversation.updated_at.asc(),)
            )
            if len(statuses) == 1:
                q = q.where(Conversation.status == statuses[0])
            rows = (
                s.connection()
                .execute(q.order_by(*order, Conversation.id.desc()).limit(min(f.limit, 200)).offset(f.offset))
                .all()
            )
        labels = labels_of(s, [r.id for r in rows])
        return [conversation_row_dict(r, labels.get(r.id, []), effective(r, now)) for r in rows]


_LABELS = select(ConversationLabel.conversation_id, ConversationLabel.label).where(
    ConversationLabel.conversation_id.in_(bindparam("ids", expanding=True))
)


def labels_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    """Each conversation's labels (unsorted; the JSON sorts them), in one statement."""
    out: dict[int, list[str]] = {}
    if ids:
        for cid, label in s.connection().execute(_LABELS, {"ids": ids}):
            out.setdefault(cid, []).append(label)
    return out
