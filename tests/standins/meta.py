"""Meta Graph stand-in: Send API (/{page}/messages), comment replies (/{id}/comments, /{id}/replies),
GET /me, the User Profile API (GET /{psid}?fields=...), Graph error envelopes (throttle code 4
on demand, code 100 for unknown ids), plus signed webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, multipart, route


@dataclass
class MetaStandIn(StandIn):
    token: str = "page-token"
    page_id: str = "104000000000001"
    sent: list[dict[str, Any]] = field(default_factory=list)
    throttle_next: int = 0
    # User Profile API answers by PSID/IGSID, e.g. {"first_name": "Peter", "last_name": "Chang"}
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    _seq: int = 0

    def routes(self):
        return [route("POST", "/v", self._post, exact=False), route("GET", "/v", self._get, exact=False)]

    @staticmethod
    def delivery(body: dict[str, Any], app_secret: str) -> tuple[dict[str, str], bytes]:
        """Headers and raw bytes as Meta POSTs an event batch (non-ASCII escaped as \\uXXXX)."""
        raw = json.dumps(body).encode()
        sig = "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Hub-Signature-256": sig}, raw

    def _auth(self, req: Request) -> Response | None:
        if req.arg("access_token") != self.token:
            return json_response(
                400,
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                        "fbtrace_id": "AbC",
                    }
                },
            )
        if self.throttle_next:
            self.throttle_next -= 1
            return json_response(
                403,
                {
                    "error": {
                        "message": "(#4) Application request limit reached",
                        "type": "OAuthException",
                        "code": 4,
                        "fbtrace_id": "AbC",
                    }
                },
            )
        return None

    def error_body(self, status: int) -> Response:
        return json_response(
            status,
            {
                "error": {
                    "message": "An unexpected error has occurred.",
                    "type": "OAuthException",
                    "code": 2,
                    "fbtrace_id": "AbC",
                }
            },
        )

    def _post(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        parts = req.path.strip("/").split("/")  # v21.0 / id / edge
        self._seq += 1
        if parts[-1] == "messages" and "multipart" in req.headers.get("content-type", ""):
            return self._upload(parts[1], req)
        if parts[-1] == "messages":
            body = req.json()
            self.sent.append({"edge": "messages", "from": parts[1], **body})
            return json_response(
                200, {"recipient_id": body["recipient"]["id"], "message_id": f"m_out{self._seq}"}
            )
        form = req.form()
        if not form.get("message"):
            return json_response(
                400, {"error": {"message": "(#100) Missing message", "type": "OAuthException", "code": 100}}
            )
        self.sent.append({"edge": parts[-1], "to": parts[1], **form})
        return json_response(200, {"id": f"{parts[1]}_reply{self._seq}"})

    def _upload(self, sender: str, req: Request) -> Response:
        """A Send API message whose attachment is uploaded as multipart `filedata`."""
        fields = multipart(req)
        message = json.loads(fields["message"].value) if "message" in fields else {}
        kind = (message.get("attachment") or {}).get("type")
        if "filedata" not in fields or kind not in ("image", "video", "audio", "file"):
            return json_response(
                400,
                {
                    "error": {
                        "message": "(#100) Upload attachment failure.",
                        "type": "OAuthException",
                        "code": 100,
                    }
                },
            )
        f = fields["filedata"]
        self.sent.append(
            {
                "edge": "messages",
                "from": sender,
                "recipient": json.loads(fields["recipient"].value),
                "attachment": {"type": kind, "name": f.filename, "mime_type": f.content_type, "data": f.data},
            }
        )
        return json_response(
            200,
            {
                "recipient_id": json.loads(fields["recipient"].value)["id"],
                "message_id": f"m_out{self._seq}",
                "attachment_id": str(1857777774821000 + self._seq),
            },
        )

    def _get(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        node = req.path.strip("/").split("/")[-1]
        if node in self.profiles:
            wanted = set((req.arg("fields") or "").split(","))
            return json_response(
                200, {"id": node, **{k: v for k, v in self.profiles[node].items() if k in wanted}}
            )
        if node in ("me", self.page_id):
            return json_response(200, {"id": self.page_id, "name": "Acme"})
        return json_response(  # what Graph answers for an id it will not show this token
            400,
            {
                "error": {
                    "message": f"Unsupported get request. Object with ID '{node}' does not exist",
                    "type": "GraphMethodException",
                    "code": 100,
                    "error_subcode": 33,
                    "fbtrace_id": "AbC",
                }
            },
        )
