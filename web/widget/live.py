"""The widget's live side: the `/widget` Socket.IO namespace and the relay of replies into it.

A visitor's socket authenticates with its visitor token and joins one room, `wv:<channel>:<visitor>`,
the only room it is ever in: agent replies and agent typing reach it there, nothing else of the
inbox does. Visitor typing goes to the conversation's agents' room in the main namespace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, request
from flask_socketio import join_room
from limits import parse
from sqlalchemy import select

from connectors import widget as leaf
from connectors.errors import SignatureError
from inbox.channels import widget as svc
from inbox.store.errors import NotFound
from inbox.store.events import Event, Publisher
from inbox.store.models import Conversation
from web.extensions import socketio

NAMESPACE = "/widget"
TYPING_LIMIT = parse("60/minute")
_sockets: dict[str, tuple[int, str]] = {}  # sid -> (channel, visitor) in this process


def room(channel_id: int, visitor_id: str) -> str:
    return f"wv:{channel_id}:{visitor_id}"


class WidgetRelay:
    """Wraps the inbox's publisher: an agent's public reply in a widget conversation also goes to
    its visitor's room, as the visitor may see it (the widget's display name, no agent).

    It emits through `emitter`: the web process's own `SocketIO`, or in a Celery worker the
    write-only `SocketIO(message_queue=...)` its publisher uses, so a reply a worker makes (a
    survey invitation, a rule's canned reply in a batch it ingests) reaches the visitor on
    whichever web process holds their socket, as the agents' events do."""

    def __init__(self, inner: Publisher, emitter: Any = None) -> None:
        self.inner = inner
        self.emitter = emitter if emitter is not None else socketio
        self.inbox: Any = None  # set once the inbox exists (it is built with this publisher)

    def publish(self, events: Iterable[Event]) -> None:
        events = list(events)
        self.inner.publish(events)
        for e in events:
            if e.name != "message.created":
                continue
            msg, conv = e.payload.get("message") or {}, e.payload.get("conversation") or {}
            if msg.get("direction") != "out" or conv.get("channel") != "widget" or self.inbox is None:
                continue
            with self.inbox.read() as s:
                thread = s.scalar(select(Conversation.thread_key).where(Conversation.id == conv["id"]))
            visible = svc.visible(msg["id"], "out", msg.get("text") or "", msg.get("created_at"), "")
            visible["name"] = None  # the frame shows its widget's display name
            self.emitter.emit(
                "message", visible, namespace=NAMESPACE, to=room(conv["channel_account_id"], thread)
            )


def agent_typing(conversation_id: int, active: bool) -> None:
    """An agent types in a widget conversation: its visitor sees "Support is typing…"."""
    with current_app.extensions["murmur.inbox"].read() as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.channel != "widget":
            return
        socketio.emit(
            "typing",
            {"active": active},
            namespace=NAMESPACE,
            to=room(conv.channel_account_id, conv.thread_key),
        )


def register() -> None:
    @socketio.on("connect", namespace=NAMESPACE)
    def on_connect(auth: Any = None) -> None:
        if not isinstance(auth, dict) or not isinstance(auth.get("channel"), int):
            raise ConnectionRefusedError("unauthorized")
        inbox = current_app.extensions["murmur.inbox"]
        try:
            widget = svc.load(inbox, auth["channel"])
            visitor = leaf.visitor_of(inbox.secret_key, widget.channel_id, auth.get("token"))
        except (NotFound, SignatureError):
            raise ConnectionRefusedError("unauthorized") from None
        _sockets[request.sid] = (widget.channel_id, visitor)
        join_room(room(widget.channel_id, visitor))

    @socketio.on("disconnect", namespace=NAMESPACE)
    def on_disconnect(*_: Any) -> None:
        _sockets.pop(request.sid, None)

    @socketio.on("typing", namespace=NAMESPACE)
    def on_typing(data: Any) -> None:
        who = _sockets.get(request.sid)
        if who is None:
            return
        limiter = current_app.extensions["murmur.limiter"]
        if not limiter.limiter.hit(TYPING_LIMIT, "widget-typing", str(who[0]), who[1]):
            return
        inbox = current_app.extensions["murmur.inbox"]
        widget = svc.load(inbox, who[0])
        conv = svc.conversation_id(inbox, widget, who[1])
        if conv is None:
            return
        active = bool(data.get("active", True)) if isinstance(data, dict) else True
        socketio.emit(
            "typing", {"conversation_id": conv, "visitor": True, "active": active}, to=f"conversation:{conv}"
        )
