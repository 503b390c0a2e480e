"""Bluesky: listNotifications (mentions, replies, quotes) swept from the top; replies as posts.

The cursor pages only towards older items and there is no `since`, so each poll walks
from the newest page until it meets the high-water mark (`connectors.cursor.sweep`).
We do not send `reasons=`: the server filters *after* slicing the page, so filtered
pages can be empty yet older, and we would not see where known territory begins.
The first poll sweeps down to the `backfill_days` horizon instead of a high-water mark.
Sessions come from createSession with an app password and are cached per connector
(createSession allows 30 calls / 5 min); an `ExpiredToken` triggers one refresh.
"""

from __future__ import annotations

from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option, ReplyFiles, parse_each
from connectors.errors import PermanentError
from connectors.http import Reply, Transport
from connectors.media import bluesky_attachments
from connectors.registry import register
from connectors.types import Attachment, Author, Batch, InboundMessage, OutboundReply

# app.bsky.embed.images: up to 4 images, each blob at most 1,000,000 bytes (the lexicon's
# maxSize); video goes through a separate video service and is not sent from Murmur
REPLY_FILES = ReplyFiles(
    limits=tuple((f"image/{t}", 1_000_000) for t in ("jpeg", "png", "webp", "gif")),
    max_files=4,
    carries="images only (JPEG, PNG, WebP, GIF)",
)

WANTED = {"mention", "reply", "quote"}


def post_message(
    uri: str, record: dict[str, Any], author: dict[str, Any], indexed_at: Any, followers: int
) -> InboundMessage:
    """A post (a notification's or a search hit's) to a message; thread = the reply root (or the
    post itself). Shared by the channel and the listening search (`connectors.search.bluesky`)."""
    reply = record.get("reply") or {}
    handle = author.get("handle", author["did"])
    return InboundMessage(
        channel="bluesky",
        external_id=uri,
        thread_key=(reply.get("root") or {}).get("uri") or uri,
        author=Author(
            external_id=author["did"],
            handle=handle,
            display_name=author.get("displayName") or "",
            profile_url=f"https://bsky.app/profile/{handle}",
            followers=followers,
        ),
        text=record.get("text", ""),
        created_at=cur.parse_iso(record.get("createdAt") or indexed_at),
        language_hint=(record.get("langs") or [None])[0],
        in_reply_to=(reply.get("parent") or {}).get("uri"),
        url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        attachments=bluesky_attachments(record, author["did"]),
    )


def parse_notification(n: dict[str, Any], followers: dict[str, int]) -> InboundMessage:
    """One notification to a message (its follower count from getProfiles)."""
    author = n["author"]
    return post_message(
        n["uri"], n.get("record") or {}, author, n.get("indexedAt"), followers.get(author["did"], 0)
    )


class AtprotoSession:
    """An app-password session (createSession, cached per connector: 30 calls / 5 min allowed)
    and calls that refresh it once on `ExpiredToken`; for the channel and the search alike."""

    _session: dict[str, str] | None = None

    def _api(self, token: str | None = None) -> Transport:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.transport("bluesky", headers)  # type: ignore[attr-defined]

    def _login(self) -> dict[str, str]:
        if self._session is None:
            settings, secret = self.settings, self.secret  # type: ignore[attr-defined]
            body = {"identifier": settings["identifier"], "password": secret("app_password")}
            self._session = (
                self._api().call("POST", "/xrpc/com.atproto.server.createSession", json_body=body).data
            )
        return self._session

    def _signed_call(self, method: str, nsid: str, **kw: Any) -> Reply:
        session = self._login()
        try:
            return self._api(session["accessJwt"]).call(method, f"/xrpc/{nsid}", **kw)
        except PermanentError as exc:
            if "ExpiredToken" not in str(exc):
                raise
        refreshed = self._api(session["refreshJwt"]).call("POST", "/xrpc/com.atproto.server.refreshSession")
        self._session = {**session, **refreshed.data}
        return self._api(self._session["accessJwt"]).call(method, f"/xrpc/{nsid}", **kw)


class BlueskyConnector(AtprotoSession, BaseConnector):
    """Notifications of one account on its PDS; replies with root/parent strong refs."""

    kind = "bluesky"
    sends_attachments = True
    reply_files = REPLY_FILES
    pulled = True
    options = (
        Option("base_url", default="https://bsky.social", help="the account's PDS"),
        Option("identifier", required=True, help="handle or DID"),
        Option("app_password", secret=True, required=True),
        Option("page_size", default=50),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    def _call(self, method: str, nsid: str, **kw: Any) -> Reply:
        return self._signed_call(method, nsid, **kw)

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep from the top down to the high-water mark (first: the backfill horizon)."""
        state = cur.load(cursor) or {"hwm": self.backfill_horizon(), "seen": []}
        params: dict[str, Any] = {"limit": int(self.settings["page_size"])}
        if state.get("page"):
            params["cursor"] = state["page"]
        res = self._call("GET", "app.bsky.notification.listNotifications", params=params)
        notes = (res.data or {}).get("notifications", [])
        items = [
            cur.Item(cur.parse_iso(n["indexedAt"]).timestamp(), n["uri"], n.get("reason") in WANTED)
            for n in notes
        ]
        fresh, nxt, more = cur.sweep(state, items, (res.data or {}).get("cursor"))
        chosen = [n for n in notes if n["uri"] in set(fresh)]
        followers = self._followers({n["author"]["did"] for n in chosen})
        messages, rejected = parse_each(
            reversed(chosen), lambda n: parse_notification(n, followers), lambda n: str(n.get("uri"))
        )
        return Batch(
            tuple(messages),
            cur.dump(nxt) if nxt else cursor,
            res.rate_limit,
            has_more=more,
            rejected=tuple(rejected),
        )

    def _followers(self, dids: set[str]) -> dict[str, int]:
        """profileView has no follower count; getProfiles (25 at a time) does."""
        out: dict[str, int] = {}
        ordered = sorted(dids)
        for i in range(0, len(ordered), 25):
            res = self._call(
                "GET", "app.bsky.actor.getProfiles", params=[("actors", d) for d in ordered[i : i + 25]]
            )
            for p in (res.data or {}).get("profiles", []):
                out[p["did"]] = int(p.get("followersCount") or 0)
        return out

    def send_reply(self, reply: OutboundReply) -> str:
        """createRecord with reply refs: parent = the post answered, root = its root or itself."""
        if not reply.in_reply_to:
            raise PermanentError("a Bluesky reply needs in_reply_to (the post's at:// uri)")
        posts = self._call("GET", "app.bsky.feed.getPosts", params={"uris": reply.in_reply_to}).data.get(
            "posts", []
        )
        if not posts:
            raise PermanentError("the post being answered no longer exists")
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        root = ((posts[0].get("record") or {}).get("reply") or {}).get("root") or parent
        session = self._login()
        record = {
            "$type": "app.bsky.feed.post",
            "text": reply.text[:300],
            "createdAt": cur.iso_now(self.clock()),
            "reply": {"root": root, "parent": parent},
        }
        if reply.attachments:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [{"alt": f.name, "image": self._upload(f)} for f in reply.attachments],
            }
        body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
        return str(self._call("POST", "com.atproto.repo.createRecord", json_body=body).data["uri"])

    def _upload(self, f: Attachment) -> dict[str, Any]:
        """com.atproto.repo.uploadBlob takes the raw bytes with their Content-Type and answers
        the blob reference a record embeds (the blob is kept once a record names it)."""
        ctype = f.content_type or "application/octet-stream"
        res = self._call(
            "POST", "com.atproto.repo.uploadBlob", content=f.data or b"", headers={"Content-Type": ctype}
        )
        return res.data["blob"]

    def test(self) -> str:
        """createSession proves the app password."""
        s = self._login()
        return f"signed in as {s.get('handle')} ({s.get('did')})"


register(BlueskyConnector)
