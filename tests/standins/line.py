"""LINE Messaging API stand-in: reply (a token works once, within its lifetime; else 400
"Invalid reply token"), push (X-Line-Retry-Key: a repeat is 409 "The retry key is already
accepted"), the profile and group-member profile APIs, message content, the monthly quota and
its consumption, bot info; 401 for a wrong channel access token. Builds signed webhook
deliveries as LINE sends them (base64 HMAC-SHA256 of the body with the channel secret)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from connectors.line import signature
from tests.standins.base import Request, Response, StandIn, json_response, route


@dataclass
class LineStandIn(StandIn):
    access_token: str = "line-channel-access-token"
    channel_secret: str = "line-channel-secret"
    reply_token_ttl: float = 60.0
    quota: int = 500
    replies: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _tokens: dict[str, tuple[float, bool]] = field(default_factory=dict)  # token -> (issued, used)
    _retry_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    _n: int = 0

    def routes(self):
        return [
            route("POST", "/v2/bot/message/reply", self._reply),
            route("POST", "/v2/bot/message/push", self._push),
            route("GET", "/v2/bot/message/quota", self._quota),
            route("GET", "/v2/bot/message/quota/consumption", self._consumption),
            route("GET", "/v2/bot/info", self._info),
            route("GET", "/v2/bot/profile/", self._profile, exact=False),
            route("GET", "/v2/bot/group/", self._profile, exact=False),
            route("GET", "/v2/bot/room/", self._profile, exact=False),
            route("GET", "/v2/bot/message/", self._content, exact=False),
        ]

    # --- building deliveries ---------------------------------------------------------------
    def event(
        self,
        *,
        user: str = "U4af4980629",
        text: str = "สวัสดีค่ะ พัสดุยังไม่มาเลย",
        group: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A message event as LINE sends it, with a fresh reply token and webhookEventId."""
        self._n += 1
        token = uuid.uuid4().hex
        self._tokens[token] = (self.clock(), False)
        source = (
            {"type": "group", "groupId": group, "userId": user} if group else {"type": "user", "userId": user}
        )
        return {
            "type": "message",
            "mode": "active",
            "timestamp": int(self.clock() * 1000),
            "source": source,
            "webhookEventId": f"01HZ{self._n:022d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": token,
            "message": message or {"id": str(468789577898262530 + self._n), "type": "text", "text": text},
        }

    def delivery(
        self, events: list[dict[str, Any]], secret: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of one webhook POST carrying `events`."""
        body = json.dumps({"destination": "U0123456789abcdef", "events": events}, ensure_ascii=False).encode()
        sig = signature(secret or self.channel_secret, body)
        return {"Content-Type": "application/json; charset=utf-8", "X-Line-Signature": sig}, body

    # --- the API ---------------------------------------------------------------------------
    def _authorized(self, req: Request) -> bool:
        return req.headers.get("authorization") == f"Bearer {self.access_token}"

    def _unauthorized(self) -> Response:
        return json_response(
            401,
            {
                "message": "Authentication failed. Confirm that the access token in the authorization header is valid."
            },
        )

    def _sent(self, n: int) -> list[dict[str, str]]:
        out = []
        for _ in range(n):
            self._n += 1
            out.append({"id": str(500000000000000000 + self._n), "quoteToken": uuid.uuid4().hex})
        return out

    def _reply(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        body = req.json()
        issued = self._tokens.get(body.get("replyToken", ""))
        if issued is None or issued[1] or self.clock() - issued[0] > self.reply_token_ttl:
            return json_response(400, {"message": "Invalid reply token"})
        self._tokens[body["replyToken"]] = (issued[0], True)
        self.replies.append(body)
        return json_response(200, {"sentMessages": self._sent(len(body["messages"]))})

    def _push(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        key = req.headers.get("x-line-retry-key")
        if key and key in self._retry_keys:
            return json_response(
                409,
                {
                    "message": "The retry key is already accepted",
                    "sentMessages": self._retry_keys[key]["sentMessages"],
                },
                {"x-line-accepted-request-id": "accepted"},
            )
        body = req.json()
        self.pushes.append(body)
        answer = {"sentMessages": self._sent(len(body["messages"]))}
        if key:
            self._retry_keys[key] = answer
        return json_response(200, answer)

    def _quota(self, req: Request) -> Response:
        return (
            json_response(200, {"type": "limited", "value": self.quota})
            if self._authorized(req)
            else self._unauthorized()
        )

    def _consumption(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        return json_response(200, {"totalUsage": sum(len(p["messages"]) for p in self.pushes)})

    def _info(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        return json_response(
            200, {"userId": "U0123456789abcdef", "basicId": "@acme.th", "displayName": "Acme Thailand"}
        )

    def _profile(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        user = req.path.rstrip("/").split("/")[-1]
        return json_response(
            200,
            {
                "displayName": "สมหญิง ใจดี",
                "userId": user,
                "language": "th",
                "pictureUrl": f"https://profile.line-scdn.net/{user}",
                "statusMessage": "",
            },
        )

    def _content(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._unauthorized()
        parts = req.path.strip("/").split("/")
        if len(parts) != 5 or parts[-1] != "content" or parts[3] not in self.content:
            return json_response(404, {"message": "Not found"})
        data, ctype = self.content[parts[3]]
        return 200, {"Content-Type": ctype}, data
