"""Reddit stand-in: password/refresh-token grant with Basic auth, /message/{inbox,mentions,messages}
Listings paged with `after` (older), x-ratelimit-* with a *relative* reset and a float remaining,
api/comment answering errors inside `json.errors` with HTTP 200.

As PRAW's recorded inbox pages show, a private message's replies are nested in its
`data.replies` listing (not listed on their own), and threads are listed by their latest
activity, so an old message with a new reply comes back to the top; comment items carry
no `link_id`, only the `context` path."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route


@dataclass
class RedditStandIn(StandIn):
    client_id: str = "cid"
    client_secret: str = "csecret"
    username: str = "acme_support"
    password: str = "hunter2"
    items: list[dict[str, Any]] = field(default_factory=list)  # ascending created_utc
    comments: list[dict[str, Any]] = field(default_factory=list)
    _tokens: set[str] = field(default_factory=set)
    _seq: int = 0
    comment_ratelimit: str | None = None  # e.g. "you are doing that too much. try again in 3 minutes."

    exempt_paths = ("/api/v1/access_token",)

    def routes(self):
        return [
            route("POST", "/api/v1/access_token", self._token),
            route("GET", "/message/", self._listing, exact=False),
            route("POST", "/api/comment", self._comment),
            route("GET", "/api/v1/me", self._me),
        ]

    def add_mentions(self, n: int, *, author: str = "dana_k", kind: str = "t1") -> list[str]:
        names = []
        for _ in range(n):
            self._seq += 1
            rid = f"k9{self._seq:05d}"
            name = f"{kind}_{rid}"
            data = {
                "id": rid,
                "name": name,
                "author": author,
                "dest": self.username,
                "subject": "username mention" if kind == "t1" else "order",
                "body": f"u/{self.username} help {self._seq}",
                "body_html": f"<p>help {self._seq}</p>",
                "context": f"/r/acme/comments/1b2c3d/thread/{rid}/?context=3" if kind == "t1" else "",
                "parent_id": "t3_1b2c3d" if kind == "t1" else None,
                "link_title": "Shipping thread",
                "subreddit": "acme" if kind == "t1" else None,
                "created_utc": self.clock() + self._seq / 10,
                "new": True,
                "was_comment": kind == "t1",
                "first_message": None,
                "first_message_name": None,
                "distinguished": None,
                "likes": None,
                "replies": "",
                "author_fullname": f"t2_{author}",
                "type": "username_mention",
            }
            self.items.append({"kind": kind, "data": data})
            names.append(name)
        return names

    def reply_in_thread(self, name: str, *, author: str = "dana_k", body: str = "any news?") -> str:
        """A new private reply nested in message `name`'s `data.replies`, as Reddit lists it."""
        root = next(i for i in self.items if i["data"]["name"] == name)
        self._seq += 1
        rid = f"r7{self._seq:05d}"
        replies = root["data"]["replies"] or {"kind": "Listing", "data": {"after": None, "children": []}}
        kids = replies["data"]["children"]
        reply = {
            "kind": "t4",
            "data": {
                **{k: root["data"][k] for k in ("dest", "subreddit", "distinguished", "likes", "type")},
                "id": rid,
                "name": f"t4_{rid}",
                "author": author,
                "author_fullname": f"t2_{author}",
                "subject": "re: " + root["data"]["subject"],
                "body": body,
                "body_html": f"<p>{body}</p>",
                "context": "",
                "parent_id": kids[-1]["data"]["name"] if kids else name,
                "first_message": root["data"]["id"],
                "first_message_name": name,
                "created_utc": self.clock() + self._seq / 10,
                "new": True,
                "was_comment": False,
                "replies": "",
            },
        }
        kids.append(reply)
        root["data"]["replies"] = replies
        return reply["data"]["name"]

    @staticmethod
    def _latest(item: dict[str, Any]) -> float:
        replies = item["data"].get("replies") or {}
        times = [c["data"]["created_utc"] for c in (replies.get("data") or {}).get("children", [])]
        return max([item["data"]["created_utc"], *times])

    def _rl(self) -> dict[str, str]:
        return {"x-ratelimit-remaining": "596.0", "x-ratelimit-used": "4", "x-ratelimit-reset": "116"}

    def rate_limited(self, reset_in: float) -> Response:
        return json_response(
            429,
            {"message": "Too Many Requests", "error": 429},
            {
                "x-ratelimit-remaining": "0.0",
                "x-ratelimit-used": "600",
                "x-ratelimit-reset": str(int(reset_in)),
            },
        )

    def error_body(self, status: int) -> Response:
        return json_response(status, {"message": "Internal Server Error", "error": status})

    def _token(self, req: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = req.form()
        ok = req.headers.get("authorization") == expected and (
            (
                form.get("grant_type") == "password"
                and form.get("username") == self.username
                and form.get("password") == self.password
            )
            or form.get("grant_type") == "refresh_token"
        )
        if not ok:
            return json_response(401, {"message": "Unauthorized", "error": 401})
        tok = "tok-" + secrets.token_hex(4)
        self._tokens.add(tok)
        return json_response(
            200, {"access_token": tok, "token_type": "bearer", "expires_in": 3600, "scope": "*"}
        )

    def _auth(self, req: Request) -> Response | None:
        if req.headers.get("authorization", "").removeprefix("bearer ") not in self._tokens:
            return json_response(401, {"message": "Unauthorized", "error": 401})
        if not req.headers.get("user-agent", "").startswith("murmur"):
            return json_response(429, {"message": "Too Many Requests", "error": 429})
        return None

    def _listing(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        which = req.path.rsplit("/", 1)[-1]
        items = sorted(self.items, key=self._latest, reverse=True)  # latest activity first
        if which == "mentions":
            items = [i for i in items if i["kind"] == "t1"]
        elif which == "messages":
            items = [i for i in items if i["kind"] == "t4"]
        if req.arg("after"):
            idx = next((k for k, i in enumerate(items) if i["data"]["name"] == req.arg("after")), len(items))
            items = items[idx + 1 :]
        limit = min(int(req.arg("limit", "25")), 100)
        page = items[:limit]
        after = page[-1]["data"]["name"] if len(items) > limit else None
        return json_response(
            200,
            {
                "kind": "Listing",
                "data": {
                    "after": after,
                    "before": None,
                    "dist": len(page),
                    "modhash": None,
                    "children": page,
                },
            },
            self._rl(),
        )

    def _comment(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        form = req.form()
        if self.comment_ratelimit:
            return json_response(
                200, {"json": {"errors": [["RATELIMIT", self.comment_ratelimit, "ratelimit"]]}}
            )
        if not form.get("text"):
            return json_response(200, {"json": {"errors": [["NO_TEXT", "we need something here", "text"]]}})
        self._seq += 1
        thing = {
            "id": f"d{self._seq}",
            "name": f"t1_d{self._seq}",
            "parent_id": form.get("thing_id"),
            "body": form["text"],
            "link_id": "t3_1b2c3d",
        }
        self.comments.append(thing)
        return json_response(
            200, {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": thing}]}}}, self._rl()
        )

    def _me(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        return json_response(200, {"name": self.username, "comment_karma": 12}, self._rl())
