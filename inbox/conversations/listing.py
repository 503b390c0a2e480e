"""The conversation list (`GET /api/conversations`): filters, access, order and its JSON rows.

Rows are read as plain Core rows (the conversation's columns and the three customer fields the
list shows), not as ORM objects: building 50 `Conversation` and `Customer` identities with their
attribute instrumentation cost several times the index scans that find them (issue 22). The JSON
is the one `serialize.conversation_dict` gives, field for field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from inbox.admin.principals import Principal, principal
from inbox.conversations import ranked_list
from inbox.conversations.ranking import effective
from inbox.conversations.row_labels import row_labels
from inbox.conversations.serialize import SHOWN_TIMES, row_reader, stored_iso
from inbox.store.access import visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Conversation, ConversationLabel, Customer, Status
from inbox.store.models.base import NaiveUTC

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


class ShownTime(NaiveUTC):
    """A time the list only shows: on SQLite its stored text made the API's text at once
    (`serialize.stored_iso`, no datetime in between); elsewhere `NaiveUTC`'s naive value,
    written by `row_reader(..., naive_times=True)`."""

    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        return stored_iso if dialect.name == "sqlite" else super().result_processor(dialect, coltype)


# The list's: the same less five columns neither its JSON nor its order reads, its shown times
# as `ShownTime`; `rank_settles_at` stays aware for `effective`, and `last_message_at` orders
# rows only against each other (on SQLite as text of one form: the same order).
_UNREAD = {"thread_key", "priority", "assigned_manually", "first_response_agent_id", "last_agent_reply_at"}
LIST_COLUMNS = tuple(
    type_coerce(c, ShownTime()).label(c.name) if c.name in SHOWN_TIMES else c
    for c in ROW_COLUMNS
    if c.name not in _UNREAD
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


@dataclass(frozen=True)
class _Shape:
    """Which filters a list asks for: the form of its statements, not their values (those are
    parameters), so each form is built once per process (`_base`)."""

    channel: bool
    assignee: str | None  # "me", "none", "id" or None
    team: bool
    label: bool
    sentiment: str | None
    language: bool
    public: bool | None
    since: bool


def _shape(f: ListFilter, agent_id: int) -> tuple[_Shape, dict[str, Any]]:
    """The list's shape and the values of its filters' parameters."""
    params: dict[str, Any] = {}
    assignee = None
    if f.channel:
        params["f_channel"] = f.channel
    if f.assignee == "me":
        assignee, params["f_assignee"] = "me", agent_id
    elif f.assignee == "none":
        assignee = "none"
    elif f.assignee:
        assignee, params["f_assignee"] = "id", int(f.assignee)
    if f.team is not None:
        params["f_team"] = f.team
    if f.label:
        params["f_label"] = f.label
    if f.language:
        params["f_language"] = f.language
    if f.updated_since is not None:
        params["f_since"] = f.updated_since
    shape = _Shape(
        bool(f.channel), assignee, f.team is not None, bool(f.label), f.sentiment, bool(f.language),
        f.public, f.updated_since is not None,
    )  # fmt: skip
    return shape, params


@lru_cache(maxsize=256)
def _base(shape: _Shape) -> Select:
    """The list's select with its filters as parameters, neither status nor access (built once
    per shape: see `inbox.conversations.detail` for what a reused statement object saves)."""
    q = (
        select(*LIST_COLUMNS, row_labels().label("labels"))
        .select_from(_C)
        .join(Customer, Customer.id == Conversation.customer_id)
    )
    if shape.channel:
        q = q.where(Conversation.channel == bindparam("f_channel"))
    if shape.assignee == "none":
        q = q.where(Conversation.assignee_id.is_(None))
    elif shape.assignee is not None:
        q = q.where(Conversation.assignee_id == bindparam("f_assignee"))
    if shape.team:
        q = q.where(Conversation.team_id == bindparam("f_team"))
    if shape.label:
        q = q.where(
            Conversation.id.in_(
                select(ConversationLabel.conversation_id).where(
                    ConversationLabel.label == bindparam("f_label")
                )
            )
        )
    if shape.sentiment:
        lo, hi = SENTIMENTS[shape.sentiment]
        if lo is not None:
            q = q.where(Conversation.sentiment > lo)
        if hi is not None:
            q = q.where(Conversation.sentiment < hi)
    if shape.language:
        q = q.where(Conversation.language == bindparam("f_language"))
    if shape.public is not None:
        q = q.where(Conversation.public.is_(shape.public))
    if shape.since:
        q = q.where(Conversation.updated_at >= bindparam("f_since"))
    return q


def list_conversations(
    inbox: Inbox, agent_id: int, f: ListFilter, checked: Principal | None = None
) -> list[dict[str, Any]]:
    """Ranked by priority unless asked otherwise; only what the agent may see.

    `checked` is the agent as the request's token check just found them
    (`inbox.admin.tokens.TokenAccess.principal`); without it the agent is read here."""
    _validate(f)
    # One statement, its own snapshot (`ranked_list.top`): on PostgreSQL it runs without BEGIN
    # and ROLLBACK (`Inbox.glance`).
    with inbox.glance() as s:
        agent = asking(s, agent_id, checked)
        # No access clause yet: the ranked list reads only what the agent may see, part by part.
        shape, params = _shape(f, agent.id)
        q = _base(shape)
        statuses = [f.status] if f.status and f.status != "all" else [st.value for st in Status]
        now = inbox.clock()
        conn = s.connection()
        if f.sort == "priority" and f.updated_since is None:
            parts = ranked_list.scopes(agent, f.team, f.assignee == "me")
            ranked = ranked_list.top(conn, q, params, parts, statuses, min(f.limit, 200), f.offset, now)
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
            stmt = q.order_by(*order, Conversation.id.desc()).limit(min(f.limit, 200)).offset(f.offset)
            ranked = [(r, effective(r, now)) for r in conn.execute(stmt, params).all()]
        if not ranked:
            return []
        as_dict = row_reader(tuple(ranked[0][0]._fields), True, inbox.dialect == "sqlite")
        return [as_dict(r, r.labels, priority) for r, priority in ranked]


def asking(s: Session, agent_id: int, checked: Principal | None) -> Principal:
    """The agent a read is for: `checked` when the request's token check found them, else read
    in `s` (its version tokens, then this process's copy).

    Taking the checked one saves the read of the version tokens in this transaction (on
    PostgreSQL a round trip, one of a ranked list's seven). It is as safe as reading them
    again: the check read the tokens moments before this transaction began, and a change
    committed in between is one the request could as well have arrived before."""
    if checked is not None and checked.id == agent_id:
        return checked
    agent = principal(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    return agent


_LABELS = select(ConversationLabel.conversation_id, ConversationLabel.label).where(
    ConversationLabel.conversation_id.in_(bindparam("ids", expanding=True))
)


def labels_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    """Each conversation's labels (unsorted; the JSON sorts them), in one statement."""
    out: dict[int, list[str]] = {}
    if ids:
        for cid, label in s.connection().execute(_LABELS, {"ids": ids}).all():
            out.setdefault(cid, []).append(label)
    return out


def warm(s: Session, now: datetime) -> None:
    """Run the ranked list's usual forms once for no conversation (see
    `inbox.conversations.warm`): the inbox's default view and one team's, as everyone and as
    a member of one team, with and without a full page's floor."""
    for f in (ListFilter(), ListFilter(team=0)):
        shape, params = _shape(f, 0)
        base = _base(shape)
        for parts in ([None], [("team", 0)], [("team", 0), ("own", 0)]):
            ranked_list.warm(s.connection(), base, params, parts, now)
