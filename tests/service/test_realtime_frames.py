"""Web A's frames for events that come through Redis (`web.realtime_mq._frame`): the same text
python-socketio would send, to the same sockets, in the same order; and python-socketio's own
path for everything the frame does not cover. No Redis is needed: the manager is write-only and
never publishes, and the sends are recorded instead of queued to a websocket.

If python-socketio changes its packet format or how it picks recipients, these fail: the frame
must then follow it (or be removed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import socketio
from socketio import packet as sio_packet

from web.realtime_mq import LocalRoomsRedisManager, _frame

PAYLOAD = {
    "message": {"id": 7, "text": "My order never arrived", "sentiment": -0.9984006185438756, "public": True},
    "conversation": {"id": 3, "labels": ["refund", "vip"], "priority": 61.5, "assignee": None},
}
NON_ASCII = {"text": "退款什么时候到账？ ขอบคุณมากค่ะ", "score": 1e-07, "big": 12345678901234, "emoji": "🙂"}


def _message(**over):  # type: ignore[no-untyped-def]
    base = {
        "method": "emit",
        "event": "message.created",
        "data": [PAYLOAD],
        "binary": False,
        "namespace": "/",
        "room": ["supervisors", "conversation:3"],
        "skip_sid": None,
        "callback": None,
        "host_id": "another process",
    }
    return base | over


def _stack():  # type: ignore[no-untyped-def]
    """A manager with four local sockets: a supervisor, two team members, one in /widget."""
    manager = LocalRoomsRedisManager("redis://127.0.0.1:1/0", channel="unused", write_only=True)
    server = socketio.Server(client_manager=manager, async_mode="threading", namespaces="*")
    sent: list[tuple[str, str]] = []
    server._send_eio_packet = lambda eio_sid, pkt: sent.append((eio_sid, pkt.encode()))  # type: ignore[method-assign]
    sids = {}
    for eio_sid, namespace, rooms in [
        ("e-sup", "/", ["supervisors", "agent:1"]),
        ("e-a2", "/", ["team:1", "agent:2", "conversation:3"]),
        ("e-a3", "/", ["team:1", "agent:3"]),
        ("e-w", "/widget", ["visitor:1"]),
    ]:
        sid = manager.connect(eio_sid, namespace)
        for room in rooms:
            manager.enter_room(sid, namespace, room)
        sids[eio_sid] = sid
    return manager, sent, sids


def _both(message: dict, skip: str | None = None) -> tuple[list, list]:
    """What python-socketio's own listener path sends for `message`, then what ours does, on the
    same sockets (`skip`: whose socket to name in skip_sid, as the list or the bare sid)."""
    manager, sent, sids = _stack()
    if skip is not None:
        message = message | {"skip_sid": [sids["e-a2"]] if skip == "list" else sids["e-a2"]}
    socketio.RedisManager._handle_emit(manager, json.loads(json.dumps(message)))
    stock = list(sent)
    sent.clear()
    manager._handle_emit(json.loads(json.dumps(message)))
    return stock, sent


def _ours(message: dict) -> list[tuple[str, str]]:
    manager, sent, _ = _stack()
    manager._handle_emit(json.loads(json.dumps(message)))
    return sent


def test_the_frame_is_python_socketios_own_text_for_plain_ascii_payloads():
    for namespace in ("/", "/widget"):
        message = _message(namespace=namespace, data=[PAYLOAD, "second", 3])
        pkt = _frame(message, {namespace: {}})
        assert pkt is not None
        own = sio_packet.Packet(
            sio_packet.EVENT, data=["message.created", PAYLOAD, "second", 3], namespace=namespace
        )
        assert pkt.encode() == "4" + own.encode()  # engine.io MESSAGE, then the Socket.IO EVENT


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"room": "supervisors"},
        {"room": ["team:1", "conversation:3"]},  # e-a2 is in both rooms: one frame for it
        {"room": None},  # a broadcast to the namespace
        {"room": "agent:9"},  # nobody here
        {"skip": "sid"},  # the team member in conversation:3 is skipped
        {"skip": "list"},
        {"data": [NON_ASCII]},
        {"data": []},
        {"data": [PAYLOAD, {"two": 2}]},
        {"namespace": "/widget", "room": "visitor:1"},
    ],
)
def test_the_same_sockets_get_the_same_event_in_the_same_order(over):
    over = dict(over)
    skip = over.pop("skip", None)
    stock, ours = _both(_message(**over), skip)
    assert [eio for eio, _ in ours] == [eio for eio, _ in stock]
    if skip is not None:
        assert [eio for eio, _ in ours] == ["e-sup"]
    for (_, a), (_, b) in zip(ours, stock, strict=True):
        head = a.index("[")
        assert a[:head] == b[: b.index("[")]  # "42", or "42/widget,"
        assert json.loads(a[head:]) == json.loads(b[head:])  # the same JSON to a parser


def test_non_ascii_text_travels_as_utf8_not_escapes():
    pkt = _frame(_message(data=[NON_ASCII]), {"/": {}})
    assert pkt is not None
    assert "退款" in pkt.encode() and "\\u" not in pkt.encode()


def test_the_frame_skips_python_socketios_walk_for_bytes(monkeypatch):
    """The CPU this saves: python-socketio's Packet walks every value of the payload for bytes;
    an event that came through Redis as JSON (binary: false) is framed without that walk."""

    def walked(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("the payload was walked for bytes")

    monkeypatch.setattr(sio_packet.Packet, "data_is_binary", classmethod(walked))
    assert [eio for eio, _ in _ours(_message())] == ["e-sup", "e-a2"]


@pytest.mark.parametrize(
    "over",
    [
        {"binary": True},
        {"callback": ["sid", "/", 1]},
        {"data": {"not": "a list"}},
        {"namespace": "/nobody-here"},
        {"namespace": None},
        {"murmur.lenient": True},  # read by the standard json module only (NaN, say)
        {"data": [{"at": datetime(2026, 1, 1, tzinfo=UTC)}]},  # not plain JSON
        {"data": [{1: "non-string key"}]},
        {"data": [{"huge": 2**70}]},
    ],
)
def test_python_socketios_own_path_for_everything_else(over):
    assert _frame(_message(**over), {"/": {}, "/widget": {}}) is None


def test_a_lenient_message_is_marked_when_only_the_standard_json_module_reads_it():
    from web.realtime_mq import _decode

    assert _decode(b'{"method": "emit", "data": [NaN]}')["murmur.lenient"] is True
    assert "murmur.lenient" not in _decode(b'{"method": "emit", "data": [1]}')
