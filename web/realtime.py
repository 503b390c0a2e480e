"""Socket.IO: authenticated connections join the rooms of who they are; events go out after commit.

Rooms: `agent:<id>`, `team:<id>`, `supervisors` (supervisors and admins see everything),
`conversation:<id>` (whoever has it open), `dashboard`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import orjson
import redis
from flask import current_app, request, session
from flask_socketio import SocketIO, emit, join_room, leave_room

from inbox.admin import agents
from inbox.automation import presence
from inbox.store.access import check_visible, sees_everything
from inbox.store.errors import InboxError
from inbox.store.events import Event
from inbox.store.models import Conversation
from web.errors import translated
from web.widget import live

log = logging.getLogger("murmur.realtime")


# orjson raises TypeError on anything that is not plain JSON (bytes, datetimes, dataclasses,
# non-string keys): such a payload takes python-socketio's own path, which handles binaries.
_PLAIN = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


class SocketIOPublisher:
    """Publishes inbox events to rooms; with a Redis message queue it reaches every web process.

    A Celery worker's publisher is a write-only `SocketIO(message_queue=...)`: python-socketio
    would send each event as its own Redis PUBLISH, after walking the payload for binaries and
    encoding it with the standard json module. A one-message drain emits two or three events,
    so the worker sends them together instead: the same messages python-socketio's
    `PubSubManager.emit` builds (the format its listener in every web process reads), encoded by
    orjson, in one pipelined round trip, in order. A payload orjson will not write as plain JSON,
    or a manager that is not Redis's, goes the usual way, one emit at a time."""

    def __init__(self, socketio: SocketIO) -> None:
        self.socketio = socketio

    def publish(self, events: Iterable[Event]) -> None:
        events = list(events)
        if events and self._pipelined(events):
            return
        for e in events:
            self.socketio.emit(e.name, e.payload, to=list(e.rooms))

    def _pipelined(self, events: list[Event]) -> bool:
        manager = getattr(getattr(self.socketio, "server", None), "manager", None)
        if not getattr(manager, "write_only", False) or not getattr(manager, "connected", False):
            # a web process's own server (its manager also delivers to local sockets), or a
            # worker's before its first emit has connected to Redis
            return False
        try:
            bodies = [
                orjson.dumps(
                    {
                        "method": "emit",
                        "event": e.name,
                        "data": [e.payload],
                        "binary": False,
                        "namespace": "/",
                        "room": list(e.rooms),
                        "skip_sid": None,
                        "callback": None,
                        "host_id": manager.host_id,
                    },
                    option=_PLAIN,
                )
                for e in events
            ]
        except TypeError:
            return False
        try:
            pipe = manager.redis.pipeline(transaction=False)
            for body in bodies:
                pipe.publish(manager.channel, body)
            pipe.execute()
        except redis.RedisError:
            log.warning("pipelined emit failed; sending one event at a time", exc_info=True)
            return False
        return True


class _Connections:
    """How many sockets each agent has open in this process, to know when they truly leave."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[int, int] = {}
        self.by_sid: dict[str, int] = {}

    def add(self, sid: str, agent_id: int) -> int:
        with self._lock:
            self.by_sid[sid] = agent_id
            self._count[agent_id] = self._count.get(agent_id, 0) + 1
            return self._count[agent_id]

    def remove(self, sid: str) -> tuple[int | None, int]:
        with self._lock:
            agent_id = self.by_sid.pop(sid, None)
            if agent_id is None:
                return None, 0
            self._count[agent_id] -= 1
            return agent_id, self._count[agent_id]


def _inbox():  # type: ignore[no-untyped-def]
    return current_app.extensions["murmur.inbox"]


def register(socketio: SocketIO) -> None:
    conns = _Connections()

    @socketio.on("connect")
    def on_connect(auth: Any = None) -> None:
        agent_id = session.get("agent_id")
        token = auth.get("token") if isinstance(auth, dict) else None
        if token:
            agent_id = agents.agent_for_token(_inbox(), token)
        if agent_id is None:
            raise ConnectionRefusedError("unauthorized")
        with _inbox().read() as s:
            agent = agents.load_agent(s, agent_id)
            if agent is None:
                raise ConnectionRefusedError("unauthorized")
            join_room(f"agent:{agent.id}")
            for team_id in agent.team_ids:
                join_room(f"team:{team_id}")
            if sees_everything(agent):
                join_room("supervisors")
                join_room("dashboard")
        conns.add(request.sid, agent_id)
        presence.registry(_inbox(), current_app.extensions["murmur.config"].redis_url)
        presence.connected(_inbox(), request.sid, agent_id)
        emit("hello", {"agent_id": agent_id})

    @socketio.on("disconnect")
    def on_disconnect(reason: Any = None, *_: Any) -> None:
        # A client that says goodbye is offline at once; a dropped transport gets the grace period.
        conns.remove(request.sid)
        presence.disconnected(
            _inbox(), request.sid, deliberate=reason == socketio.server.reason.CLIENT_DISCONNECT
        )

    @socketio.on("presence")
    def on_presence(data: Any) -> dict:
        agent_id = conns.by_sid.get(request.sid)
        status = data.get("status") if isinstance(data, dict) else None
        if agent_id is None or status not in ("online", "away"):
            return {"ok": False, "error": "status must be online or away"}
        agents.set_presence(_inbox(), agent_id, status)
        return {"ok": True}

    @socketio.on("join_conversation")
    def on_join(data: Any) -> dict:
        """Open a conversation: hear its events, and tell others who is viewing (collision detection)."""
        agent_id = conns.by_sid.get(request.sid)
        conv_id = data.get("conversation_id") if isinstance(data, dict) else None
        if agent_id is None or not isinstance(conv_id, int):
            return {"ok": False, "error": "conversation_id must be a number"}
        with _inbox().read() as s:
            agent = agents.load_agent(s, agent_id)
            conv = s.get(Conversation, conv_id)
            if conv is None:
                return {"ok": False, "error": "not found"}
            try:
                check_visible(agent, conv)
            except InboxError as exc:
                return {"ok": False, "error": translated(exc)}
            name = agent.name
        join_room(f"conversation:{conv_id}")
        emit(
            "viewing",
            {"conversation_id": conv_id, "agent_id": agent_id, "name": name, "active": True},
            to=f"conversation:{conv_id}",
            include_self=False,
        )
        return {"ok": True}

    @socketio.on("leave_conversation")
    def on_leave(data: Any) -> dict:
        agent_id = conns.by_sid.get(request.sid)
        conv_id = data.get("conversation_id") if isinstance(data, dict) else None
        if agent_id is None or not isinstance(conv_id, int):
            return {"ok": False}
        leave_room(f"conversation:{conv_id}")
        emit(
            "viewing",
            {"conversation_id": conv_id, "agent_id": agent_id, "active": False},
            to=f"conversation:{conv_id}",
        )
        return {"ok": True}

    @socketio.on("typing")
    def on_typing(data: Any) -> None:
        agent_id = conns.by_sid.get(request.sid)
        conv_id = data.get("conversation_id") if isinstance(data, dict) else None
        if agent_id is None or not isinstance(conv_id, int):
            return
        if f"conversation:{conv_id}" not in (socketio.server.rooms(request.sid) or []):
            return  # only someone who joined (and so may see) the conversation can signal typing
        emit(
            "typing",
            {"conversation_id": conv_id, "agent_id": agent_id, "active": bool(data.get("active", True))},
            to=f"conversation:{conv_id}",
            include_self=False,
        )
        live.agent_typing(conv_id, bool(data.get("active", True)))  # a website visitor sees it too
