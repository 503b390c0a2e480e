"""JSON-safe shapes of inbox objects, shared by the API and the real-time events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

from inbox.attachments.records import link_inline_images
from inbox.store.models import Conversation, Customer, Identity, Message


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _naive_iso(value: datetime | None) -> str | None:
    return value.isoformat() + "+00:00" if value is not None else None


def stored_iso(value: str | datetime | None) -> str | None:
    """SQLite's stored text of a naive UTC time (SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff`) as
    the aware value's `isoformat()`, by slicing the text: byte for byte what
    `datetime.fromisoformat(value).isoformat() + "+00:00"` gives, in a third of its time (550
    values a 50-row list page, issue 22). Any other form of text takes that slow way."""
    if value.__class__ is not str:  # None, or a value the driver made a datetime itself
        return _naive_iso(value)  # type: ignore[arg-type]
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        if value.endswith(".000000"):  # isoformat() leaves out a zero fraction
            return value[:10] + "T" + value[11:19] + "+00:00"
        return value[:10] + "T" + value[11:] + "+00:00"
    if len(value) == 19 and value[10] == " ":
        return value[:10] + "T" + value[11:] + "+00:00"
    return datetime.fromisoformat(value).isoformat() + "+00:00"  # type: ignore[arg-type]


def conversation_dict(
    conv: Conversation, customer: Customer | None = None, labels: list[str] | None = None
) -> dict[str, Any]:
    """A conversation as the API and every live event show it (fields read in C by `attrgetter`:
    this runs for each conversation an ingested batch touches)."""
    out = dict(zip(_CONVERSATION_FIELDS, _conversation_fields(conv), strict=True))
    out.update(zip(_CONVERSATION_TIMES, map(iso, _conversation_times(conv)), strict=True))
    out["priority"] = round(conv.priority, 2)
    out["labels"] = sorted(labels or [])
    if customer is not None:
        out["customer_name"], out["customer_vip"], out["lifecycle_stage"] = (
            customer.name,
            customer.vip,
            customer.lifecycle_stage,
        )
    else:
        out["customer_name"] = out["customer_vip"] = out["lifecycle_stage"] = None
    return out


def conversation_row_dict(row: Any, labels: list[str], priority: float) -> dict[str, Any]:
    """`conversation_dict` of a list row (`inbox.conversations.listing`): the conversation's
    columns by name plus `customer_name`, `customer_vip` and `customer_stage`, and its priority
    now. The same keys in the same order, so the list's JSON does not change."""
    return row_reader(tuple(row._fields))(row, labels, priority)


@lru_cache(maxsize=64)
def row_reader(
    fields: tuple[str, ...], naive_times: bool = False, text_times: bool = False
) -> Callable[[Any, list[str], float], dict[str, Any]]:
    """`conversation_row_dict` for rows with these column names, their positions looked up once:
    a row's values by position (`itemgetter`, in C) cost about half of reading them by name
    through the Row's attribute lookup, 50 rows and 29 fields a list page (issue 22). Take it
    once per result (`row_reader(tuple(rows[0]._fields))`) and call it for each row.

    `naive_times`: the rows' times are naive UTC (`inbox.store.models.base.NaiveUTC`), written
    as `isoformat() + "+00:00"`: the same text as an aware value's `isoformat()`.

    `text_times`: the rows' times are that text already (`ShownTime` on SQLite): every shown
    value is then taken by one `itemgetter`, with no call per value."""
    if text_times:
        shown = itemgetter(
            *(fields.index(k) for k in _CONVERSATION_FIELDS + _CONVERSATION_TIMES),
            *(fields.index(k) for k in ("customer_name", "customer_vip", "customer_stage")),
        )

        def read_text(row: Any, labels: list[str], priority: float) -> dict[str, Any]:
            out = dict(zip(_SHOWN_KEYS, shown(row), strict=True))
            out["priority"] = round(priority, 2)
            out["labels"] = sorted(labels)
            return out

        return read_text
    plain = itemgetter(*(fields.index(k) for k in _CONVERSATION_FIELDS))
    times = itemgetter(*(fields.index(k) for k in _CONVERSATION_TIMES))
    customer = itemgetter(*(fields.index(k) for k in ("customer_name", "customer_vip", "customer_stage")))
    show = _naive_iso if naive_times else iso

    def read(row: Any, labels: list[str], priority: float) -> dict[str, Any]:
        out = dict(zip(_CONVERSATION_FIELDS, plain(row), strict=True))
        out.update(zip(_CONVERSATION_TIMES, map(show, times(row)), strict=True))
        out["priority"] = round(priority, 2)
        out["labels"] = sorted(labels)
        out["customer_name"], out["customer_vip"], out["lifecycle_stage"] = customer(row)
        return out

    return read


_CONVERSATION_FIELDS = (
    "id",
    "customer_id",
    "channel_account_id",
    "channel",
    "subject",
    "public",
    "language",
    "status",
    "priority_components",
    "sentiment",
    "assignee_id",
    "team_id",
    "queue_reason",
    "message_count",
    "resolved_by_id",
)
_CONVERSATION_TIMES = (
    "snoozed_until",
    "last_message_at",
    "last_customer_message_at",
    "waiting_since",
    "first_response_at",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "resolved_at",
    "created_at",
    "updated_at",
)
SHOWN_TIMES = frozenset(_CONVERSATION_TIMES)
_SHOWN_KEYS = (
    *_CONVERSATION_FIELDS,
    *_CONVERSATION_TIMES,
    "customer_name",
    "customer_vip",
    "lifecycle_stage",
)
_conversation_fields = attrgetter(*_CONVERSATION_FIELDS)
_conversation_times = attrgetter(*_CONVERSATION_TIMES)


def message_dict(
    msg: Message,
    author: Identity | None = None,
    delivery: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": msg.id,
        "conversation_id": msg.conversation_id,
        "direction": msg.direction,
        "external_id": msg.external_id,
        "author": identity_dict(author) if author is not None else None,
        "author_agent_id": msg.author_agent_id,
        "text": msg.text,
        "html": link_inline_images(msg.html, attachments or []),
        "url": msg.url,
        "language": msg.language,
        "sentiment": msg.sentiment,
        "sentiment_label": msg.sentiment_label,
        "sentiment_reasons": msg.sentiment_reasons,
        "sentiment_corrected": msg.sentiment_corrected_by is not None,
        "sentiment_model": msg.sentiment_model,
        "public": msg.public,
        "mentions": getattr(msg, "mentions", None) or [],
        "created_at": iso(msg.created_at),
        "delivery": delivery,
        "attachments": attachments or [],
    }


def inbound_row_dict(row: Mapping[str, Any], author: Identity | None) -> dict[str, Any]:
    """`message_dict` of a message the pipeline has just inserted, from the row it inserted:
    inbound, so no agent author, correction, mentions or delivery yet. Built from the row
    directly because every ingested message is announced (no object to make first)."""
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "direction": row["direction"],
        "external_id": row["external_id"],
        "author": identity_dict(author) if author is not None else None,
        "author_agent_id": None,
        "text": row["text"],
        "html": link_inline_images(row["html"], row.get("attachments") or []),
        "url": row["url"],
        "language": row["language"],
        "sentiment": row["sentiment"],
        "sentiment_label": row["sentiment_label"],
        "sentiment_reasons": row["sentiment_reasons"],
        "sentiment_corrected": False,
        "sentiment_model": row.get("sentiment_model"),
        "public": row["public"],
        "mentions": [],
        "created_at": row["created_at"].isoformat(),
        "delivery": None,
        "attachments": row.get("attachments") or [],
    }


def identity_dict(ident: Identity) -> dict[str, Any]:
    return {
        "id": ident.id,
        "channel": ident.channel,
        "external_id": ident.external_id,
        "handle": ident.handle,
        "display_name": ident.display_name,
        "profile_url": ident.profile_url,
        "followers": ident.followers,
        "verified": ident.verified,
        "email": ident.email,
    }


def customer_dict(cust: Customer) -> dict[str, Any]:
    return {
        "id": cust.id,
        "name": cust.name,
        "email": cust.email,
        "lifecycle_stage": cust.lifecycle_stage,
        "vip": cust.vip,
        "clv": cust.clv,
        "rfm_segment": cust.rfm_segment,
        "attributes": cust.attributes,
        "created_at": iso(cust.created_at),
        "last_seen_at": iso(cust.last_seen_at),
    }
