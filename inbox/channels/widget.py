"""The website chat's visitor side: sessions, their own messages, and what they send.

A visitor reaches only their own conversation: every call names the visitor by a token Murmur
signed (connectors.widget.visitor_token), never by a conversation or message id, so there is no id
to guess. They read the public messages of that conversation only (never notes) and see replies
under the widget's display name, never the agent's. Their messages take the one ingest path, with
the browser's id for each message as the dedup key, so a resend after a dropped answer stores it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from connectors import widget as leaf
from connectors.errors import PayloadError, SignatureError
from inbox.channels.accounts import connector_for
from inbox.conversations.serialize import iso
from inbox.ingest import ingest
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import ChannelAccount, Conversation, Customer, Identity, Message

HISTORY = 200  # newest messages a visitor's widget loads


@dataclass(frozen=True)
class Widget:
    channel_id: int
    name: str
    connector: leaf.WidgetConnector


def load(inbox: Inbox, channel_id: int) -> Widget:
    """An enabled widget channel, or NotFound (the same answer for any other channel or id)."""
    with inbox.read() as s:
        ch = s.get(ChannelAccount, channel_id)
        if ch is None or ch.kind != "widget" or not ch.enabled:
            raise NotFound(N_("widget not found"))
        connector = connector_for(inbox, ch, clock=lambda: inbox.clock().timestamp())
        assert isinstance(connector, leaf.WidgetConnector)
        return Widget(ch.id, ch.name, connector)


def user_visitor_id(user_id: str) -> str:
    """A verified user's visitor id: the same on every device, so their conversations meet."""
    return "u:" + hashlib.sha256(user_id.encode()).hexdigest()[:40]


def start(
    inbox: Inbox,
    widget: Widget,
    token: str | None = None,
    user_id: str | None = None,
    user_hash: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """A visitor's session: a token (kept, or new), the widget's public settings and their history.

    With `user_id` and `user_hash` the visitor is the brand's signed-in user: the hash must match
    (SignatureError, a 401, otherwise) and, the first time, a customer already known by `email` gets
    this identity, so the chat lands on their whole history.
    """
    if user_id is not None:
        secret = widget.connector._secrets.get("identity_secret")
        if not secret:
            raise SignatureError("this widget does not verify identities (no identity secret)")
        if not isinstance(user_id, str) or not 0 < len(user_id) <= 200 or not isinstance(user_hash, str):
            raise PayloadError("user_id", "a user id and its user_hash are both required")
        leaf.check_identity(secret, user_id, user_hash)
        visitor_id = user_visitor_id(user_id)
        if email:
            _adopt_customer(inbox, visitor_id, email)
    elif token:
        visitor_id = leaf.visitor_of(inbox.secret_key, widget.channel_id, token)
    else:
        visitor_id = leaf.new_visitor_id()
    return {
        "token": leaf.visitor_token(inbox.secret_key, widget.channel_id, visitor_id),
        "verified": visitor_id.startswith("u:"),
        "config": widget.connector.public_config(),
        "messages": history(inbox, widget, visitor_id),
    }


def _adopt_customer(inbox: Inbox, visitor_id: str, email: str) -> None:
    """Give a verified visitor's identity to the customer who already has this e-mail (once)."""
    wanted = email.strip().lower()[:254]
    with inbox.unit_of_work() as uow:
        s = uow.session
        if s.scalar(
            select(Identity.id).where(Identity.channel == "widget", Identity.external_id == visitor_id)
        ):
            return
        customer_id = s.scalar(
            select(Customer.id).where(func.lower(Customer.email) == wanted).order_by(Customer.id).limit(1)
        )
        if customer_id is None:
            customer_id = s.scalar(
                select(Identity.customer_id)
                .where(func.lower(Identity.email) == wanted)
                .order_by(Identity.id)
                .limit(1)
            )
        if customer_id is not None:
            s.add(Identity(customer_id=customer_id, channel="widget", external_id=visitor_id, email=wanted))


def conversation_id(inbox: Inbox, widget: Widget, visitor_id: str) -> int | None:
    with inbox.read() as s:
        return s.scalar(
            select(Conversation.id).where(
                Conversation.channel_account_id == widget.channel_id, Conversation.thread_key == visitor_id
            )
        )


def history(inbox: Inbox, widget: Widget, visitor_id: str) -> list[dict[str, Any]]:
    """The visitor's conversation as they may see it: their messages and the replies, no notes."""
    conv = conversation_id(inbox, widget, visitor_id)
    if conv is None:
        return []
    with inbox.read() as s:
        rows = s.execute(
            select(Message.id, Message.direction, Message.text, Message.created_at)
            .where(Message.conversation_id == conv, Message.direction.in_(("in", "out")))
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(HISTORY)
        ).all()
    name = widget.connector.public_config()["display_name"]
    return [visible(r.id, r.direction, r.text, r.created_at, name) for r in reversed(rows)]


def visible(message_id: int, direction: str, text: str, created_at: Any, display_name: str) -> dict[str, Any]:
    """One message as the visitor sees it (the agent shown only as the widget's display name)."""
    return {
        "id": message_id,
        "from": "visitor" if direction == "in" else "agent",
        "name": None if direction == "in" else display_name,
        "text": text,
        "created_at": created_at if isinstance(created_at, str) else iso(created_at),
    }


def send(
    inbox: Inbox,
    widget: Widget,
    visitor_id: str,
    client_id: Any,
    text: Any,
    name: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Store one visitor message exactly once; returns it as the visitor sees it."""
    verified = visitor_id.startswith("u:")
    if not verified and not (email or "").strip():
        if not widget.connector.open_now():  # away: e-mail is the only way an answer can reach them
            raise PayloadError("email", "we are away: leave an e-mail address so we can answer")
        if widget.connector.settings.get("prechat") in ("email", "name_email"):
            raise PayloadError("email", "this chat asks for an e-mail address first")
    msg = leaf.visitor_message(visitor_id, client_id, text, inbox.clock().timestamp(), name, email, language)
    ingest(inbox, widget.channel_id, [msg])
    with inbox.read() as s:
        row = s.execute(
            select(
                Message.id, Message.conversation_id, Message.direction, Message.text, Message.created_at
            ).where(Message.channel_account_id == widget.channel_id, Message.external_id == msg.external_id)
        ).one()
    out = visible(row.id, row.direction, row.text, row.created_at, "")
    out["conversation_id"] = row.conversation_id
    return out
