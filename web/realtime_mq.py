"""The web process's end of the Socket.IO message queue: only events for its own sockets are handled.

In scaled mode every web process subscribes to the one Redis channel every process publishes its
events on (a worker's drain sends two or three per message). python-socketio's listener decodes
each with the standard json module and hands it to the server's emit, which encodes the Socket.IO
packet again before it looks for a socket in the rooms: every web process decoded and re-encoded
every event, though at most one of them holds the agent it is for.

`LocalRoomsRedisManager` decodes with orjson and drops an emit none of whose rooms this process
has a socket in before any of that. A room is known here as long as one of this process's sockets
is in it (python-socketio's own bookkeeping, `rooms[namespace][room]`), so nothing addressed to a
local socket is ever dropped; a broadcast (no room) is always handled, as is anything that is not
an emit (callbacks, disconnects, room changes), exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import socketio
from engineio import json as engineio_json


class LocalRoomsRedisManager(socketio.RedisManager):  # type: ignore[misc]
    """python-socketio's Redis manager, leaving out emits for rooms with no socket in this process."""

    def _listen(self) -> Iterator[Any]:
        for raw in super()._listen():
            data = _decode(raw)
            if data is None:
                continue  # the base listener drops what it cannot decode too
            if data.get("method") == "emit" and not self._for_us(data):
                continue
            yield data  # a dict: the base loop takes it as decoded

    def _for_us(self, message: dict) -> bool:
        """False only when the emit names rooms and this process has a socket in none of them."""
        room = message.get("room")
        if room is None:
            return True  # a broadcast to the namespace
        rooms = self.rooms.get(message.get("namespace") or "/")
        if not rooms:
            return False
        if isinstance(room, str):
            return room in rooms
        return any(r in rooms for r in room)


def _decode(raw: Any) -> dict | None:
    if isinstance(raw, dict):
        return raw
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses (an integer beyond 64 bits, say) the usual way
            data = engineio_json.loads(raw)
        except (ValueError, TypeError):
            return None
    except TypeError:
        return None
    return data if isinstance(data, dict) else None
