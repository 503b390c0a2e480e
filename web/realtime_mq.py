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

An emit it keeps is sent as one frame built once (`_frame`): python-socketio's `Packet` walks the
whole payload looking for bytes (`data_is_binary`, a Python call per value: most of the
listener's CPU per event) and then encodes it with the standard json module. An event that came
through Redis as JSON and says `binary: false` cannot hold bytes, so the packet's text is built
straight from the decoded payload by orjson, in the format python-socketio writes (`2`, the
namespace unless it is `/`, the JSON array `[event, *data]`), and the same engine.io packet goes
to each recipient python-socketio itself would pick (`get_participants`, `skip_sid`). The one
difference on the wire: non-ASCII text travels as UTF-8 rather than `\\uXXXX` escapes (the same
JSON to any parser). Anything else (binary, a callback, a payload orjson will not write, an
unknown namespace) takes python-socketio's own path. `tests/service/test_realtime_frames.py`
checks the text against python-socketio's own encoding, so a change of its format fails there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import socketio
from engineio import json as engineio_json
from engineio import packet as eio_packet
from socketio import packet as sio_packet


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

    def _handle_emit(self, message: dict) -> None:
        pkt = _frame(message, self.rooms)
        if pkt is None:
            super()._handle_emit(message)  # python-socketio's own path, unchanged
            return
        skip = message.get("skip_sid")
        skip = skip if isinstance(skip, list) else [skip]
        for sid, eio_sid in self.get_participants(message["namespace"], message.get("room")):
            if sid not in skip:
                self.server._send_eio_packet(eio_sid, pkt)

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


def _frame(message: dict, rooms: dict) -> eio_packet.Packet | None:
    """The engine.io packet python-socketio would send for this emit, built once; None when the
    emit needs python-socketio's own path (binary data, a callback, a namespace with no socket
    here, data that is not a list, a payload orjson will not write as plain JSON)."""
    data = message.get("data")
    namespace = message.get("namespace")
    if (
        message.get(_LENIENT)
        or message.get("binary")
        or message.get("callback") is not None
        or not isinstance(data, list)
    ):
        return None
    if not isinstance(namespace, str) or namespace not in rooms:
        return None
    try:
        body = orjson.dumps([message["event"], *data], option=_PLAIN).decode()
    except (TypeError, KeyError):
        return None
    prefix = _EVENT if namespace == "/" else f"{_EVENT}{namespace},"
    return eio_packet.Packet(eio_packet.MESSAGE, prefix + body)


_EVENT = str(sio_packet.EVENT)
_LENIENT = "murmur.lenient"  # a message only the standard json module could read
# Anything but plain JSON types (datetimes, dataclasses, subclasses such as an IntEnum, non-string
# keys) raises TypeError here and takes python-socketio's path, which writes what json.dumps would.
_PLAIN = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def _decode(raw: Any) -> dict | None:
    if isinstance(raw, dict):
        return raw
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses (an integer beyond 64 bits, NaN, say) the usual way
            data = engineio_json.loads(raw)
        except (ValueError, TypeError):
            return None
        if isinstance(data, dict):
            data[_LENIENT] = True  # and python-socketio's own path sends it (see `_frame`)
    except TypeError:
        return None
    return data if isinstance(data, dict) else None
