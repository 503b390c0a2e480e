"""X API v2 stand-in: /2/users/:id/mentions (since_id, start_time, pagination_token,
includes.users, meta.next_token omitted on the last page, `data` absent when empty),
x-rate-limit-* epoch headers, problem+json 429, strict POST /2/tweets (unknown keys -> 400,
201 on success).

As the recorded responses show (tweepy's cassettes), a post carries only `id`, `text` and
`edit_history_tweet_ids` unless `tweet.fields` asks for more, and `includes.users` appears
only with `expansions=author_id`; this stand-in answers the same way."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, multipart, route


@dataclass
class XStandIn(StandIn):
    token: str = "x-token"
    user_id: str = "1500000000000000001"
    mentions: list[dict[str, Any]] = field(default_factory=list)  # ascending ids
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)
    _next: int = 1899000000000000000
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # media id -> what was uploaded

    def routes(self):
        return [
            route("GET", f"/2/users/{self.user_id}/mentions", self._mentions),
            route("POST", "/2/tweets", self._post),
            route("POST", "/2/media/upload", self._media_upload),
            route("GET", "/2/users/me", self._me),
        ]

    def add_mentions(self, n: int, *, username: str = "dana_k", followers: int = 1250) -> list[str]:
        uid = str(2244994945 + len(username))
        self.users[uid] = {
            "id": uid,
            "username": username,
            "name": username.title(),
            "public_metrics": {
                "followers_count": followers,
                "following_count": 3,
                "tweet_count": 9,
                "listed_count": 0,
            },
        }
        ids = []
        for _ in range(n):
            self._next += 7
            pid = str(self._next)
            self.mentions.append(
                {
                    "id": pid,
                    "text": f"@acme help {pid}",
                    "author_id": uid,
                    "created_at": datetime.fromtimestamp(self.clock(), UTC).strftime(
                        "%Y-%m-%dT%H:%M:%S.000Z"
                    ),
                    "conversation_id": pid,
                    "lang": "en",
                    "edit_history_tweet_ids": [pid],
                }
            )
            ids.append(pid)
        return ids

    def _rl(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "449",
            "x-rate-limit-reset": str(int(self.clock() + 900)),
        }

    def rate_limited(self, reset_in: float) -> Response:
        return json_response(
            429,
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(self.clock() + reset_in)),
            },
        )

    def error_body(self, status: int) -> Response:
        return json_response(
            status,
            {
                "title": "Service Unavailable",
                "detail": "Service Unavailable",
                "type": "about:blank",
                "status": status,
            },
        )

    def _auth(self, req: Request) -> Response | None:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return json_response(
                401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            )
        return None

    def _mentions(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        size = int(req.arg("max_results", "10"))
        if not 5 <= size <= 100:
            return json_response(
                400,
                {
                    "title": "Invalid Request",
                    "detail": "max_results out of range",
                    "type": "https://api.x.com/2/problems/invalid-request",
                },
            )
        items = sorted(self.mentions, key=lambda p: int(p["id"]), reverse=True)
        if req.arg("start_time"):
            start = req.arg("start_time")
            items = [p for p in items if p["created_at"] >= start.replace("Z", ".000Z")]
        if req.arg("since_id"):
            items = [p for p in items if int(p["id"]) > int(req.arg("since_id"))]
        token = (req.arg("pagination_token") or "").upper()
        offset = int(base64.b32hexdecode(token + "=" * (-len(token) % 8)).decode()) if token else 0
        page = items[offset : offset + size]
        if not page:
            return json_response(200, {"meta": {"result_count": 0}}, self._rl())
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if offset + size < len(items):
            meta["next_token"] = base64.b32hexencode(str(offset + size).encode()).decode().lower().rstrip("=")
        fields = set((req.arg("tweet.fields") or "").split(",")) | {"id", "text", "edit_history_tweet_ids"}
        body: dict[str, Any] = {"data": [{k: v for k, v in p.items() if k in fields} for p in page]}
        if "author_id" in (req.arg("expansions") or "").split(","):
            wanted = set((req.arg("user.fields") or "").split(",")) | {"id", "name", "username"}
            users = [self.users[u] for u in dict.fromkeys(p["author_id"] for p in page)]
            body["includes"] = {"users": [{k: v for k, v in u.items() if k in wanted} for u in users]}
        return json_response(200, {**body, "meta": meta}, self._rl())

    def _post(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        body = req.json()
        if set(body) - {"text", "reply", "quote_tweet_id", "media"} or set(body.get("reply", {})) - {
            "in_reply_to_tweet_id",
            "exclude_reply_user_ids",
            "auto_populate_reply_metadata",
        }:
            return json_response(
                400,
                {
                    "title": "Invalid Request",
                    "detail": "unknown field",
                    "type": "https://api.x.com/2/problems/invalid-request",
                },
            )
        media_ids = (body.get("media") or {}).get("media_ids") or []
        unknown = [m for m in media_ids if m not in self.uploads]
        if unknown or len(media_ids) > 4:
            detail = f"Your media IDs are invalid: {unknown}" if unknown else "Too many media ids"
            return json_response(
                400,
                {
                    "title": "Invalid Request",
                    "detail": detail,
                    "type": "https://api.x.com/2/problems/invalid-request",
                },
            )
        self._next += 1
        post = {"id": str(self._next), "text": body["text"], "edit_history_tweet_ids": [str(self._next)]}
        self.posts.append({**post, "reply": body.get("reply"), "media": [self.uploads[m] for m in media_ids]})
        return json_response(201, {"data": post}, self._rl())

    def _media_upload(self, req: Request) -> Response:
        """The one-shot media upload: multipart `media` with its `media_category`."""
        if (denied := self._auth(req)) is not None:
            return denied
        fields = multipart(req)
        if "media" not in fields:
            return json_response(
                400, {"title": "Invalid Request", "detail": "media is required", "type": "about:blank"}
            )
        f = fields["media"]
        limit = 15 * 1024 * 1024 if f.content_type == "image/gif" else 5 * 1024 * 1024
        if not f.content_type.startswith("image/") or len(f.data) > limit:
            return json_response(
                400,
                {
                    "title": "Invalid Request",
                    "detail": "media type or size unsupported",
                    "type": "about:blank",
                },
            )
        self._next += 1
        mid = str(self._next)
        category = fields["media_category"].value if "media_category" in fields else ""
        self.uploads[mid] = {"name": f.filename, "type": f.content_type, "category": category, "data": f.data}
        data = {"id": mid, "media_key": f"3_{mid}", "size": len(f.data), "expires_after_secs": 86400}
        return json_response(200, {"data": data}, self._rl())

    def _me(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        return json_response(
            200,
            {
                "data": {
                    "id": self.user_id,
                    "username": "acme",
                    "name": "Acme",
                    "public_metrics": {"followers_count": 99000},
                }
            },
            self._rl(),
        )
