"""WhatsApp Cloud API stand-in: POST /<version>/<phone id>/messages (text only within 24 hours of
the customer's last message, else Graph error 131047 "Re-engagement message"; templates any
time, checked against the approved list), GET /<version>/<WABA id>/message_templates, media
lookup and download, the phone number's details; 401 (Graph code 190) for a wrong token.
Builds Meta-signed webhook deliveries of messages and of `statuses`."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route

TEMPLATES = [
    {
        "name": "order_update",
        "language": "th",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1407680676729941",
        "components": [{"type": "BODY", "text": "คำสั่งซื้อ {{1}} ของคุณ: {{2}}"}],
    },
    {
        "name": "follow_up",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1407680676729942",
        "components": [{"type": "BODY", "text": "Hello {{1}}, we have an answer about your request."}],
    },
    {
        "name": "spring_sale",
        "language": "en_US",
        "status": "REJECTED",
        "category": "MARKETING",
        "id": "1407680676729943",
        "components": [{"type": "BODY", "text": "Sale!"}],
    },
]


@dataclass
class WhatsAppStandIn(StandIn):
    access_token: str = "wa-system-user-token"
    app_secret: str = "wa-app-secret"
    phone_number_id: str = "1122334455667"
    waba_id: str = "5467539754836534"
    version: str = "v21.0"
    sent: list[dict[str, Any]] = field(default_factory=list)
    last_inbound: dict[str, float] = field(default_factory=dict)  # wa_id -> when they last wrote
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _n: int = 0

    def routes(self):
        v = f"/{self.version}"
        return [
            route("POST", f"{v}/{self.phone_number_id}/messages", self._messages),
            route("GET", f"{v}/{self.waba_id}/message_templates", self._templates),
            route("GET", f"{v}/{self.phone_number_id}", self._phone),
            route("GET", "/media/", self._download, exact=False),
            route("GET", f"{v}/", self._media_info, exact=False),
        ]

    # --- building deliveries ---------------------------------------------------------------
    def sign(self, body: bytes, secret: str | None = None) -> dict[str, str]:
        digest = hmac.new((secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        meta = {"display_phone_number": "6620001234", "phone_number_id": self.phone_number_id}
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": self.waba_id,
                    "changes": [
                        {
                            "value": {"messaging_product": "whatsapp", "metadata": meta, **value},
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def message(
        self, text: str = "ขอเลขพัสดุหน่อยค่ะ", wa_id: str = "66812345678", name: str = "Malee"
    ) -> dict[str, Any]:
        """A customer's text message delivery (and the 24-hour window opens for them)."""
        self._n += 1
        self.last_inbound[wa_id] = self.clock()
        return self._envelope(
            {
                "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                "messages": [
                    {
                        "from": wa_id,
                        "id": f"wamid.HBgLNjY4MTIzNDU2NzgVAgASGBQz{self._n:08d}",
                        "timestamp": str(int(self.clock())),
                        "text": {"body": text},
                        "type": "text",
                    }
                ],
            }
        )

    def status(
        self, wamid: str, state: str, wa_id: str = "66812345678", error: dict | None = None
    ) -> dict[str, Any]:
        """A `statuses` callback about a message we sent."""
        st: dict[str, Any] = {
            "id": wamid,
            "status": state,
            "timestamp": str(int(self.clock())),
            "recipient_id": wa_id,
        }
        if error:
            st["errors"] = [error]
        return self._envelope({"statuses": [st]})

    def delivery(self, payload: dict[str, Any], secret: str | None = None) -> tuple[dict[str, str], bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return self.sign(body, secret), body

    # --- the API ---------------------------------------------------------------------------
    def _authorized(self, req: Request) -> bool:
        return req.headers.get("authorization") == f"Bearer {self.access_token}"

    def _graph_error(self, status: int, code: int, message: str, title: str = "") -> Response:
        err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}
        if title:
            err["error_data"] = {"messaging_product": "whatsapp", "details": title}
        return json_response(status, {"error": err})

    def _messages(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        body = req.json()
        to = body.get("to", "")
        if body.get("type") == "template":
            t = body["template"]
            known = [x for x in TEMPLATES if x["status"] == "APPROVED"]
            if not any(x["name"] == t["name"] and x["language"] == t["language"]["code"] for x in known):
                return self._graph_error(
                    404, 132001, "(#132001) Template name does not exist in the translation"
                )
        else:
            last = self.last_inbound.get(to)
            if last is None or self.clock() - last > 24 * 3600:
                return self._graph_error(
                    400,
                    131047,
                    "(#131047) Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
                )
        self._n += 1
        wamid = f"wamid.HBgLNjY4MTIzNDU2NzgVAgARGBI{self._n:08d}"
        self.sent.append({**body, "id": wamid})
        return json_response(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            },
        )

    def _templates(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._graph_error(401, 190, "Invalid OAuth access token")
        status = req.arg("status")
        data = [t for t in TEMPLATES if status is None or t["status"] == status]
        return json_response(
            200, {"data": data, "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}}
        )

    def _phone(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._graph_error(401, 190, "Invalid OAuth access token")
        return json_response(
            200,
            {
                "display_phone_number": "+66 2 000 1234",
                "verified_name": "Acme Thailand",
                "id": self.phone_number_id,
            },
        )

    def _media_info(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._graph_error(401, 190, "Invalid OAuth access token")
        media_id = req.path.rstrip("/").split("/")[-1]
        if media_id not in self.media:
            return self._graph_error(404, 100, "Unsupported get request")
        data, ctype = self.media[media_id]
        return json_response(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/media/{media_id}",
                "mime_type": ctype,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            },
        )

    def _download(self, req: Request) -> Response:
        if not self._authorized(req):
            return self._graph_error(401, 190, "Invalid OAuth access token")
        media_id = req.path.rstrip("/").split("/")[-1]
        data, ctype = self.media[media_id]
        return 200, {"Content-Type": ctype}, data
