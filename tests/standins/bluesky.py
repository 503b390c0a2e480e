"""Bluesky PDS/AppView stand-in: createSession/refreshSession (ExpiredToken on demand),
listNotifications newest-first with an older-only cursor, getProfiles (followersCount),
getPosts, createRecord, RateLimit-* headers with epoch reset, XRPC error envelopes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.standins.base import Request, Response, StandIn, json_response, route

ME = "did:plc:acme999"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{round(ts * 1000) % 1000:03d}Z"


@dataclass
class BlueskyStandIn(StandIn):
    identifier: str = "acme.bsky.social"
    password: str = "app-pass-word"
    notifications: list[dict[str, Any]] = field(default_factory=list)  # ascending indexedAt
    records: list[dict[str, Any]] = field(default_factory=list)
    sessions_created: int = 0
    _access: set[str] = field(default_factory=set)
    _refresh: set[str] = field(default_factory=set)
    _seq: int = 0
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # cid -> (mimeType, bytes)

    exempt_paths = ("com.atproto.server", "app.bsky.actor.getProfiles")

    def routes(self):
        return [
            route("POST", "/xrpc/com.atproto.server.createSession", self._create_session),
            route("POST", "/xrpc/com.atproto.server.refreshSession", self._refresh_session),
            route("GET", "/xrpc/app.bsky.notification.listNotifications", self._list),
            route("GET", "/xrpc/app.bsky.actor.getProfiles", self._profiles),
            route("GET", "/xrpc/app.bsky.feed.getPosts", self._posts),
            route("POST", "/xrpc/com.atproto.repo.createRecord", self._create_record),
            route("POST", "/xrpc/com.atproto.repo.uploadBlob", self._upload_blob),
        ]

    def add_mentions(
        self, n: int, *, handle: str = "dana.bsky.social", noise_every: int = 4, reason: str = "mention"
    ) -> list[str]:
        """Append `n` mentions/replies, with a `like` every `noise_every` (filtered client-side)."""
        uris = []
        for i in range(n):
            if noise_every and i % noise_every == 0:
                self._add("like", "did:plc:fan", "fan.bsky.social", {"$type": "app.bsky.feed.like"})
            did = f"did:plc:{handle.split('.')[0]}"
            rec = {
                "$type": "app.bsky.feed.post",
                "text": f"@acme.bsky.social help {self._seq}",
                "createdAt": _iso(self._t()),
                "langs": ["en"],
            }
            if reason == "reply":
                root = {"uri": f"at://{ME}/app.bsky.feed.post/root1", "cid": "bafyroot"}
                rec["reply"] = {"root": root, "parent": root}
            uris.append(self._add(reason, did, handle, rec))
        return uris

    def _t(self) -> float:
        return self.clock() + self._seq / 1000

    def _add(self, reason: str, did: str, handle: str, record: dict) -> str:
        self._seq += 1
        uri = f"at://{did}/app.bsky.feed.post/3lx{self._seq:06d}"
        self.notifications.append(
            {
                "uri": uri,
                "cid": f"bafy{self._seq:06d}",
                "reason": reason,
                "record": record,
                "isRead": False,
                "indexedAt": _iso(self._t()),
                "labels": [],
                "author": {
                    "did": did,
                    "handle": handle,
                    "displayName": handle.split(".")[0].title(),
                    "labels": [],
                },
            }
        )
        return uri

    def expire_tokens(self) -> None:
        """The next authenticated call answers 400 ExpiredToken (refresh tokens stay valid)."""
        self._access.clear()

    def _rl(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "2999",
            "RateLimit-Reset": str(int(self.clock() + 300)),
            "RateLimit-Policy": "3000;w=300",
        }

    def rate_limited(self, reset_in: float) -> Response:
        return json_response(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(self.clock() + reset_in)),
                "RateLimit-Policy": "3000;w=300",
            },
        )

    def error_body(self, status: int) -> Response:
        return json_response(status, {"error": "InternalServerError", "message": "Internal Server Error"})

    def _auth(self, req: Request) -> Response | None:
        token = req.headers.get("authorization", "").removeprefix("Bearer ")
        if token in self._access:
            return None
        if token.startswith("acc-"):
            return json_response(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return json_response(401, {"error": "AuthenticationRequired", "message": "Authentication Required"})

    def _tokens(self) -> dict[str, str]:
        acc, ref = "acc-" + secrets.token_hex(4), "ref-" + secrets.token_hex(4)
        self._access.add(acc)
        self._refresh.add(ref)
        return {"accessJwt": acc, "refreshJwt": ref, "handle": self.identifier, "did": ME, "active": True}

    def _create_session(self, req: Request) -> Response:
        body = req.json()
        if body.get("identifier") != self.identifier or body.get("password") != self.password:
            return json_response(
                401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
            )
        self.sessions_created += 1
        return json_response(200, self._tokens(), self._rl())

    def _refresh_session(self, req: Request) -> Response:
        if req.headers.get("authorization", "").removeprefix("Bearer ") not in self._refresh:
            return json_response(400, {"error": "InvalidToken", "message": "Token is invalid"})
        return json_response(200, self._tokens(), self._rl())

    def _list(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        if req.arg("seenAt"):
            return json_response(
                400, {"error": "InvalidRequest", "message": "The seenAt parameter is unsupported"}
            )
        limit = int(req.arg("limit", "50"))
        items = list(reversed(self.notifications))
        if req.arg("cursor"):
            items = [n for n in items if n["indexedAt"] < req.arg("cursor")]
        page = items[:limit]
        reasons = req.query.get("reasons")
        body: dict[str, Any] = {"notifications": [n for n in page if not reasons or n["reason"] in reasons]}
        if len(items) > limit:
            body["cursor"] = page[-1]["indexedAt"]
        return json_response(200, body, self._rl())

    def _profiles(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        actors = req.query.get("actors", [])
        return json_response(
            200,
            {
                "profiles": [
                    {
                        "did": a,
                        "handle": a.split(":")[-1],
                        "followersCount": 777,
                        "followsCount": 1,
                        "postsCount": 5,
                    }
                    for a in actors[:25]
                ]
            },
            self._rl(),
        )

    def _posts(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        uris = set(req.query.get("uris", []))
        posts = [
            {"uri": n["uri"], "cid": n["cid"], "author": n["author"], "record": n["record"]}
            for n in self.notifications
            if n["uri"] in uris
        ]
        return json_response(200, {"posts": posts}, self._rl())

    def _upload_blob(self, req: Request) -> Response:
        """The raw body is the blob; the PDS answers its reference (a CID of the bytes)."""
        if (denied := self._auth(req)) is not None:
            return denied
        ctype = req.headers.get("content-type", "*/*")
        if len(req.body) > 1_000_000 and ctype.startswith("image/"):
            return json_response(400, {"error": "BlobTooLarge", "message": "This file is too large"})
        cid = "bafkrei" + hashlib.sha256(req.body).hexdigest()[:52]
        self.blobs[cid] = (ctype, req.body)
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": ctype, "size": len(req.body)}
        return json_response(200, {"blob": blob}, self._rl())

    def _create_record(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        body = req.json()
        if body.get("repo") != ME or "record" not in body:
            return json_response(
                400, {"error": "InvalidRequest", "message": "Input/repo must be the session DID"}
            )
        embed = body["record"].get("embed") or {}
        for img in embed.get("images", []):
            ref = ((img.get("image") or {}).get("ref") or {}).get("$link")
            if ref not in self.blobs:
                return json_response(400, {"error": "BlobNotFound", "message": f"Could not find blob: {ref}"})
        if len(embed.get("images", [])) > 4:
            return json_response(
                400, {"error": "InvalidRequest", "message": "embed/images must not have more than 4 elements"}
            )
        self._seq += 1
        self.records.append(body)
        uri = f"at://{ME}/{body['collection']}/3lr{self._seq:06d}"
        return json_response(
            200, {"uri": uri, "cid": f"bafyr{self._seq:06d}", "validationStatus": "valid"}, self._rl()
        )
