"""The demo channel: replays a bundled file of realistic messages, a few per poll.

A new user should watch an inbox fill up: English, Simplified and Traditional
Chinese and Thai; angry, happy and curious customers; the same people on several
networks (sharing email addresses, so merge suggestions have something to find);
influencers; and one hostile HTML post that the sanitizer must defuse. Each line
names the network it pretends to come from, which becomes `InboundMessage.channel`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from connectors.base import BaseConnector, Option
from connectors.errors import PayloadError
from connectors.registry import register
from connectors.types import Batch, InboundMessage, OutboundReply
from connectors.webhook import message_from_json

DATA_FILE = "demo_messages.jsonl"


@cache
def load_lines() -> tuple[dict, ...]:
    """The bundled demo file, parsed once per process."""
    text = resources.files("connectors.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def round_suffix(n: int) -> str:
    """What the `n`-th pass over the file (from 0) appends to ids and thread keys ("" for the first)."""
    return f"-r{n}" if n else ""


def round_of(key: str) -> int:
    """The pass an id or thread key belongs to (0 without a suffix)."""
    head, sep, tail = key.rpartition("-r")
    return int(tail) if sep and head and tail.isdigit() else 0


class DemoConnector(BaseConnector):
    """Polls the bundled file; the cursor is the count of lines already delivered."""

    kind = "demo"
    pulled = True
    options = (
        Option("batch_size", default=3, help="messages per poll"),
        Option("loop", default=False, help="start over when the file ends, with fresh ids"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._replies = 0

    def _message(self, n: int, now: float) -> InboundMessage:
        lines = load_lines()
        line = lines[n % len(lines)]
        rnd = n // len(lines)
        msg = message_from_json(line, str(line["channel"]), now, f"{DATA_FILE}:{n % len(lines) + 1}.")
        created = datetime.fromtimestamp(now, UTC) - timedelta(seconds=int(line.get("ago", 0)))
        # one demo channel account carries many pretend networks: keep their threads apart
        msg = replace(msg, created_at=created, thread_key=f"{line['channel']}:{msg.thread_key}")
        if rnd:
            # Each pass is a fresh copy of the file's conversations, direct messages too: a pass
            # then stands alone, so the inbox can drop whole old passes (`inbox.channels.demo_trim`)
            # and the looping demo stays bounded.
            suffix = round_suffix(rnd)
            msg = replace(msg, external_id=msg.external_id + suffix, thread_key=msg.thread_key + suffix)
        return msg

    def poll(self, cursor: str | None) -> Batch:
        """The next `batch_size` lines after `cursor`; at the end, an empty batch and the same cursor."""
        try:
            start = int(cursor) if cursor else 0
        except ValueError:
            raise PayloadError("cursor", f"demo cursor must be an integer, got {cursor!r}") from None
        total = len(load_lines())
        size = max(1, int(self.settings["batch_size"]))
        stop = start + size if self.settings.get("loop") else min(start + size, total)
        now = self.clock()
        messages = tuple(self._message(n, now) for n in range(start, stop))
        # has_more=False: one batch per scheduled poll, so the poller paces the replay
        return Batch(messages=messages, next_cursor=str(stop) if messages else cursor, has_more=False)

    def send_reply(self, reply: OutboundReply) -> str:
        """Nothing leaves the machine; a fake id lets the outbox show 'sent'."""
        self._replies += 1
        return f"demo-reply-{self._replies}"

    def test(self) -> str:
        """Reads the bundled file instead of a network."""
        lines = load_lines()
        channels = sorted({str(line["channel"]) for line in lines})
        return f"demo file has {len(lines)} messages from {', '.join(channels)}"


register(DemoConnector)
