"""Telegram Bot API stand-in: /bot<token>/getUpdates (offset confirms and drops), sendMessage
(reply_parameters or legacy reply_to_message_id), getMe; errors as {"ok":false,...}, 429 with
parameters.retry_after, 401 "Unauthorized" for a wrong token; also builds signed webhook deliveries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route


@dataclass
class TelegramStandIn(StandIn):
    token: str = "123456:ABC-telegram"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    _update_id: int = 912345000
    _message_id: int = 300

    def routes(self):
        return [
            route("POST", "/bot", self._method, exact=False),
            route("GET", "/bot", self._method, exact=False),
        ]

    def make_update(
        self, *, chat_id: int = 5550001, username: str = "danak", text: str = ""
    ) -> dict[str, Any]:
        self._update_id += 1
        self._message_id += 1
        return {
            "update_id": self._update_id,
            "message": {
                "message_id": self._message_id,
                "date": int(self.clock()),
                "from": {
                    "id": chat_id,
                    "is_bot": False,
                    "first_name": "Dana",
                    "last_name": "K",
                    "username": username,
                    "language_code": "en",
                },
                "chat": {"id": chat_id, "type": "private", "first_name": "Dana", "username": username},
                "text": text or f"Hi, order {self._message_id} never arrived",
            },
        }

    def add_mentions(self, n: int, **kw: Any) -> list[int]:
        new = [self.make_update(**kw) for _ in range(n)]
        self.updates.extend(new)
        return [u["update_id"] for u in new]

    @staticmethod
    def webhook_delivery(update: dict[str, Any], secret: str) -> tuple[dict[str, str], bytes]:
        """Headers and body as Telegram POSTs them to a webhook set with `secret_token`."""
        return (
            {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
            json.dumps(update).encode(),
        )

    def rate_limited(self, reset_in: float) -> Response:
        n = int(reset_in)
        return json_response(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {n}",
                "parameters": {"retry_after": n},
            },
        )

    def error_body(self, status: int) -> Response:
        return json_response(
            status, {"ok": False, "error_code": status, "description": "Internal Server Error"}
        )

    def _method(self, req: Request) -> Response:
        _, token, method = req.path.split("/", 2)[0], req.path.split("/")[1][3:], req.path.split("/")[-1]
        if token != self.token:
            return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        params: dict[str, Any] = {k: v[-1] for k, v in req.query.items()}
        if req.body:
            params.update(req.json() if "json" in req.headers.get("content-type", "") else req.form())
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones vanish
            limit = int(params.get("limit") or 100)
            return json_response(200, {"ok": True, "result": self.updates[:limit]})
        if method == "sendMessage":
            if not params.get("text"):
                return json_response(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
                )
            rp = params.get("reply_parameters")
            rp = json.loads(rp) if isinstance(rp, str) else rp
            reply_to = (rp or {}).get("message_id") or params.get("reply_to_message_id")
            self._message_id += 1
            msg = {
                "message_id": self._message_id,
                "date": int(self.clock()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params["text"],
                "reply_to_message": {"message_id": int(reply_to)} if reply_to else None,
            }
            self.sent.append(msg)
            return json_response(200, {"ok": True, "result": msg})
        if method == "getMe":
            return json_response(
                200,
                {
                    "ok": True,
                    "result": {
                        "id": 42000042,
                        "is_bot": True,
                        "first_name": "AcmeSupportBot",
                        "username": "acme_support_bot",
                    },
                },
            )
        return json_response(
            404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        )
