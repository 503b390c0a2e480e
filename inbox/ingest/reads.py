"""What a batch reads before it decides: which messages are new, their conversations (locked)
with their labels, and their customers' facts. One statement per step for the whole batch, each
built once per dialect (`queries`), because a one-message batch, a webhook delivery, runs them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, Protocol

import orjson
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from connectors.types import InboundMessage
from inbox.automation import engine as automation
from inbox.ingest.conversations import CONV, LOADED, WorkingConversation, aware, new_conversation
from inbox.store.models import Agent, ConversationLabel, Customer, Message, Status
from inbox.store.sql import Record, dialect_of, in_list, list_param, records

MSG = Message.__table__
_CUST = Customer.__table__
_AGENT = Agent.__table__


class AccountFacts(Protocol):
    """What a batch reads of its channel account: an ORM `ChannelAccount` or a plain row."""

    id: int
    team_id: int | None


def fresh(
    s: Session, account_id: int, messages: Sequence[InboundMessage], stored: Collection[str] | None
) -> list[InboundMessage]:
    """Drop repeats within the batch and messages already stored (`stored`, or asked), oldest first."""
    unique: dict[str, InboundMessage] = {}
    for m in messages:
        unique.setdefault(m.external_id, m)
    if stored is None:
        d = dialect_of(s)
        keys = {"account": account_id, "keys": list_param(d, unique)}
        seen = set(s.connection().scalars(queries(d).stored_ids, keys))
    else:
        seen = set(stored)
    return sorted((m for k, m in unique.items() if k not in seen), key=lambda m: aware(m.created_at))


def conversations(
    s: Session, account: AccountFacts, fresh: list[InboundMessage], authors: list[Any], now: datetime
) -> tuple[dict[str, WorkingConversation], dict[int, set[str]]]:
    """Working copies of the batch's conversations, in first-message order; new ones have no id
    yet and are inserted by `insert_new` once their values are final. Returned second: the
    existing conversations' labels, read in the same statement (one column per row), because
    another statement for them was one more round trip of every batch into a known thread."""
    keys = list(dict.fromkeys(m.thread_key for m in fresh))
    found: dict[str, WorkingConversation] = {}
    d = dialect_of(s)
    result = s.connection().execute(
        queries(d).conversations, {"account": account.id, "keys": list_param(d, keys)}
    )
    labels: dict[int, set[str]] = defaultdict(set)
    for conv in records(result, WorkingConversation):
        found_labels = conv.__dict__.pop("labels")
        if isinstance(found_labels, str):  # SQLite: a JSON array
            found_labels = orjson.loads(found_labels)
        labels[conv.id].update(found_labels or ())
        found[conv.thread_key] = conv
    out: dict[str, WorkingConversation] = {}
    for m, author in zip(fresh, authors, strict=True):
        key = m.thread_key
        if key in out:
            continue
        conv = found.get(key)
        if conv is None:
            conv = new_conversation(account.id, account.team_id, m, author.customer_id, now)
        out[key] = conv
    return out, labels


def customer_facts(
    s: Session, customer_ids: set[int], created: dict[int, dict[str, Any]], convs: Any
) -> tuple[dict[int, Any], dict[int, int], dict[int, int], dict[int, int]]:
    """The batch's customers (what ranking, rules and events read of them) with, for each, their
    conversations in total and still open (counting this batch's new ones) and their last CSAT
    answer. Those known before the batch are read in one statement; those `upsert_identities`
    created in it are known from their insert and have no conversations or answers yet, so a
    message from a new author reads nothing here."""
    customers: dict[int, Any] = {}
    contacts: dict[int, int] = {}
    open_counts: dict[int, int] = {}
    last_csat: dict[int, int] = {}
    for cid in customer_ids & created.keys():
        row = created[cid]
        customers[cid] = Record({name: row.get(name, _NEW_CUSTOMER.get(name)) for name in _CUSTOMER_FACTS})
    known = customer_ids - created.keys()
    if known:
        d = dialect_of(s)
        for c in records(s.connection().execute(queries(d).customers, {"ids": list_param(d, known)})):
            total, still_open, csat = (
                c.__dict__.pop("contacts"),
                c.__dict__.pop("still_open"),
                c.__dict__.pop("csat"),
            )
            customers[c.id] = c
            if total:
                contacts[c.id], open_counts[c.id] = total, still_open
            if csat is not None:
                last_csat[c.id] = csat
    for conv in convs:
        if conv.id is None:
            contacts[conv.customer_id] = contacts.get(conv.customer_id, 0) + 1
            open_counts[conv.customer_id] = open_counts.get(conv.customer_id, 0) + 1
    return customers, contacts, open_counts, last_csat


# A new customer's facts that its insert leaves to the columns' defaults.
_NEW_CUSTOMER = {
    "lifecycle_stage": "awareness",
    "vip": False,
    "clv": 0.0,
    "rfm_segment": None,
    "merged_into_id": None,
}

# What ranking, rules, SLA policies and the events read of a customer (not the JSON attributes,
# whose parsing was most of this load).
_CUSTOMER_FACTS = ("id", "name", "email", "lifecycle_stage", "vip", "clv", "rfm_segment", "merged_into_id")


@cache
def queries(dialect: str) -> SimpleNamespace:
    """The batch's statements, built once per dialect and executed with parameters: building a
    statement and its cache key cost more than running most of these (~0.3 ms each here), and
    a batch of one message, a webhook delivery, runs them all. They are plain Core statements,
    run on the session's connection (same transaction) without the ORM's execute layer."""
    return SimpleNamespace(
        stored_ids=select(MSG.c.external_id).where(
            MSG.c.channel_account_id == bindparam("account"), in_list(dialect, MSG.c.external_id, "keys")
        ),
        # Locked until commit (PostgreSQL), in id order: a batch's read-modify-write of its
        # conversations (message count, rank, routing) must not interleave with another batch's.
        conversations=select(*LOADED, _labels_column(dialect))
        .where(CONV.c.channel_account_id == bindparam("account"), in_list(dialect, CONV.c.thread_key, "keys"))
        .order_by(CONV.c.id)
        .with_for_update(),
        # with each customer's conversations in total and still open, and their last CSAT
        # answer: one statement where there were three
        customers=select(
            *(_CUST.c[name] for name in _CUSTOMER_FACTS),
            select(func.count()).where(CONV.c.customer_id == _CUST.c.id).scalar_subquery().label("contacts"),
            select(func.count())
            .where(CONV.c.customer_id == _CUST.c.id, CONV.c.status != Status.RESOLVED.value)
            .scalar_subquery()
            .label("still_open"),
            automation.last_csat_of(_CUST.c.id).label("csat"),
        ).where(in_list(dialect, _CUST.c.id, "ids")),
        agents_assigned=_AGENT.update()
        .where(in_list(dialect, _AGENT.c.id, "ids"))
        .values(last_assigned_at=bindparam("now", type_=_AGENT.c.last_assigned_at.type)),
        customers_seen=_CUST.update()
        .where(in_list(dialect, _CUST.c.id, "ids"))
        .values(last_seen_at=bindparam("now", type_=_CUST.c.last_seen_at.type)),
    )


def _labels_column(dialect: str) -> Any:
    """Each conversation's labels as one column of the locking read (found by the labels'
    primary key, conversation id first): an array on PostgreSQL, a JSON array on SQLite."""
    label = ConversationLabel.__table__
    if dialect == "postgresql":
        found = select(label.c.label).where(label.c.conversation_id == CONV.c.id).scalar_subquery()
        return func.array(found).label("labels")
    return (
        select(func.json_group_array(label.c.label))
        .where(label.c.conversation_id == CONV.c.id)
        .scalar_subquery()
        .label("labels")
    )
