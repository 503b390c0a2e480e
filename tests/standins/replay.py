"""Replays recorded HTTP exchanges (`tests/data/recorded/`) on loopback, so an adapter meets
the bytes a real network sent, not our reading of its documentation.

Each recording file holds one exchange: {"request": {"method", "url"}, "response":
{"status", "headers", "body"}}. `ReplayStandIn(routes={("GET", "/api/v1/notifications"):
recording})` answers every matching request with the recorded response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"


def recording(name: str) -> dict[str, Any]:
    """One recorded exchange by its path under tests/data/recorded (e.g. "x/tweepy_create_tweet.json")."""
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@dataclass
class ReplayStandIn(StandIn):
    """Serves recorded responses by (method, path); `prefix=True` routes match path prefixes."""

    replies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    prefix: bool = False

    def routes(self):
        return [
            route(method, path, self._answer(rec), exact=not self.prefix)
            for (method, path), rec in self.replies.items()
        ]

    @staticmethod
    def _answer(rec: dict[str, Any]):
        def answer(req: Request) -> Response:
            res = rec["response"]
            headers = {k: v for k, v in (res.get("headers") or {}).items() if k != "content-type"}
            return json_response(res["status"], res["body"], headers)

        return answer


@dataclass
class FileReplayStandIn(StandIn):
    """Serves recorded files as they were fetched (feeds are bytes, not JSON): `files` maps a
    path to (file under tests/data/recorded, Content-Type)."""

    files: dict[str, tuple[str, str]] = field(default_factory=dict)

    def routes(self):
        return [route("GET", path, self._answer(name, ctype)) for path, (name, ctype) in self.files.items()]

    @staticmethod
    def _answer(name: str, ctype: str):
        def answer(req: Request) -> Response:
            return 200, {"Content-Type": ctype}, (RECORDED / name).read_bytes()

        return answer
