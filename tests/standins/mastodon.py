"""Mastodon stand-in: notifications with max_id/since_id/min_id exactly as paginable.rb does them,
Link headers, X-RateLimit-* (ISO reset), 401/422/429 bodies, Idempotency-Key on statuses."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, multipart, route

HOST = "social.example"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class MastodonStandIn(StandIn):
    token: str = "mastodon-token"
    limit: int = 300
    notifications: list[dict[str, Any]] = field(default_factory=list)  # ascending ids
    statuses: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 1000
    _idem: dict[str, dict] = field(default_factory=dict)
    # a misbehaving instance: every new status gets this id (the outbox must not double-send)
    fixed_status_id: str | None = None
    # POST /api/v2/media: uploaded files by id; a file larger than `sync_media_bytes` answers
    # 202 and stays processing for `processing_polls` GETs of /api/v1/media/:id (206), as
    # Mastodon does with large images and video
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    sync_media_bytes: int = 1_000_000
    processing_polls: int = 1

    def routes(self):
        return [
            route("GET", "/api/v1/notifications", self._notifications),
            route("POST", "/api/v1/statuses", self._post_status),
            route("POST", "/api/v2/media", self._post_media),
            route("GET", "/api/v1/media/", self._get_media, exact=False),
            route("GET", "/api/v1/accounts/verify_credentials", self._me),
        ]

    # --- seeding ---------------------------------------------------------------------
    def add_mentions(
        self,
        n: int,
        *,
        visibility: str = "public",
        account: str = "dana",
        text: str = "",
        noise_every: int = 0,
        ages: list[float] | None = None,
    ) -> list[str]:
        """Append `n` mention notifications (optionally a favourite every `noise_every`); returns status ids.

        `ages` gives each mention's age in seconds (oldest first, so ids and times rise together);
        without it they are all dated now."""
        ids = []
        for i in range(n):
            when = _iso(self.clock() - (ages[i] if ages else 0.0))
            self._next_id += 1
            nid = self._next_id
            if noise_every and i % noise_every == 0:
                self.notifications.append(
                    {
                        "id": str(nid),
                        "type": "favourite",
                        "created_at": when,
                        "account": self._account("fan"),
                        "status": None,
                    }
                )
                self._next_id += 1
                nid = self._next_id
            acc = self._account(account)
            sid = str(113000000000000000 + nid)
            status = {
                "id": sid,
                "created_at": when,
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "visibility": visibility,
                "language": "en",
                "uri": f"https://{HOST}/users/{account}/statuses/{sid}",
                "url": f"https://{HOST}/@{account}/{sid}",
                "content": f'<p><span class="h-card"><a href="https://brand.example/@acme" class="u-url mention">'
                f"@<span>acme</span></a></span> {text or f'message {nid}'}</p>",
                "spoiler_text": "",
                "sensitive": False,
                "account": acc,
                "mentions": [],
                "media_attachments": [],
                "tags": [],
                "emojis": [],
            }
            self.notifications.append(
                {
                    "id": str(nid),
                    "type": "mention",
                    "group_key": f"ungrouped-{nid}",
                    "created_at": status["created_at"],
                    "account": acc,
                    "status": status,
                }
            )
            ids.append(sid)
        return ids

    def _account(self, name: str) -> dict[str, Any]:
        return {
            "id": str(zlib.crc32(name.encode()) % 10**6),
            "username": name,
            "acct": f"{name}@{HOST}",
            "display_name": name.title(),
            "url": f"https://{HOST}/@{name}",
            "bot": False,
            "followers_count": 1250,
            "following_count": 3,
            "statuses_count": 40,
        }

    # --- protocol ----------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.clock(), UTC) + timedelta(minutes=5)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - 1),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def rate_limited(self, reset_in: float) -> Response:
        reset = datetime.fromtimestamp(self.clock() + reset_in, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return json_response(
            429,
            {"error": "Too many requests"},
            {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        )

    def error_body(self, status: int) -> Response:
        return json_response(status, {"error": "We're sorry, but something went wrong on our end."})

    def _auth(self, req: Request) -> Response | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return json_response(401, {"error": "The access token is invalid"})
        return None

    def _notifications(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        limit = min(int(req.arg("limit", "40")), 80)
        types = req.query.get("types[]")
        items = [n for n in self.notifications if not types or n["type"] in types]
        key = lambda n: int(n["id"])  # noqa: E731 - vanilla ids sort numerically
        if req.arg("max_id"):
            items = [n for n in items if key(n) < int(req.arg("max_id"))]
        if req.arg("min_id"):
            page = sorted((n for n in items if key(n) > int(req.arg("min_id"))), key=key)[:limit]
            page.reverse()  # fetched ascending, returned newest first
        else:
            if req.arg("since_id"):
                items = [n for n in items if key(n) > int(req.arg("since_id"))]
            page = sorted(items, key=key, reverse=True)[:limit]
        headers = self._headers()
        if page:
            base = f"{self.base_url}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={page[-1]["id"]}>; rel="next", <{base}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return json_response(200, page, headers)

    def _post_status(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        body = req.json() if "json" in req.headers.get("content-type", "") else req.form()
        key = req.headers.get("idempotency-key")
        if key and key in self._idem:
            return json_response(200, self._idem[key], self._headers())
        if not body.get("status"):
            return json_response(422, {"error": "Validation failed: Text can't be blank"})
        media_ids = body.get("media_ids") or []
        for mid in media_ids:
            if mid not in self.media:
                return json_response(422, {"error": "Validation failed: Media not found"})
            if self.media[mid]["url"] is None:
                return json_response(422, {"error": "Cannot attach files that have not finished processing"})
        if len(media_ids) > 4:
            return json_response(422, {"error": "Validation failed: Cannot attach more than 4 files"})
        self._next_id += 1
        status = {
            "id": self.fixed_status_id or str(114000000000000000 + self._next_id),
            "content": f"<p>{body['status']}</p>",
            "visibility": body.get("visibility", "public"),
            "in_reply_to_id": body.get("in_reply_to_id"),
            "created_at": _iso(self.clock()),
            "media_attachments": [self._shown(self.media[m]) for m in media_ids],
        }
        self.statuses.append(status)
        if key:
            self._idem[key] = status
        return json_response(200, status, self._headers())

    @staticmethod
    def _shown(m: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in m.items() if k not in ("data", "polls_left", "final_url")}

    def _post_media(self, req: Request) -> Response:
        """A MediaAttachment from multipart `file`: 200 when processed at once, else 202 (url null)."""
        if (denied := self._auth(req)) is not None:
            return denied
        fields = multipart(req)
        if "file" not in fields:
            return json_response(422, {"error": "Validation failed: File can't be blank"})
        f = fields["file"]
        kind = f.content_type.split("/")[0]
        if kind not in ("image", "video", "audio"):
            return json_response(422, {"error": "Validation failed: File content type is invalid"})
        self._next_id += 1
        mid = str(22000000 + self._next_id)
        slow = len(f.data) > self.sync_media_bytes
        url = f"https://{HOST}/system/media_attachments/files/{mid}/original/{f.filename}"
        self.media[mid] = {
            "id": mid,
            "type": {"image": "image", "video": "video", "audio": "audio"}[kind],
            "url": None if slow else url,
            "description": fields["description"].value if "description" in fields else None,
            "data": f.data,
            "polls_left": self.processing_polls if slow else 0,
            "final_url": url,
        }
        return json_response(202 if slow else 200, self._shown(self.media[mid]), self._headers())

    def _get_media(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        m = self.media.get(req.path.rsplit("/", 1)[-1])
        if m is None:
            return json_response(404, {"error": "Record not found"})
        if m["polls_left"] > 0:
            m["polls_left"] -= 1
            return json_response(206, self._shown(m), self._headers())
        m["url"] = m["final_url"]
        return json_response(200, self._shown(m), self._headers())

    def _me(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        return json_response(
            200, {"id": "1", "username": "acme", "acct": "acme", "followers_count": 4200}, self._headers()
        )
