"""Bluesky post search (GET /xrpc/app.bsky.feed.searchPosts?sort=latest) swept with `cursor`.

The cursor pages only towards older posts and there is no `since`, so each poll walks from
the newest page down to the high-water mark (`connectors.cursor.sweep`, keyed on indexedAt),
as the notification poller does. The AppView answers anonymously; with an identifier and app
password the client signs in on `base_url` (a PDS proxies the call) and refreshes on expiry.
"""

from __future__ import annotations

from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option, parse_each
from connectors.errors import PermanentError
from connectors.http import Reply, Transport
from connectors.media import bluesky_attachments
from connectors.types import Author, Batch, InboundMessage


def parse_post(p: dict[str, Any]) -> InboundMessage:
    """A postView to a message (searchPosts' author view has no follower count: 0)."""
    record, author = p.get("record") or {}, p["author"]
    reply = record.get("reply") or {}
    handle = author.get("handle", author["did"])
    return InboundMessage(
        channel="bluesky",
        external_id=p["uri"],
        thread_key=(reply.get("root") or {}).get("uri") or p["uri"],
        author=Author(
            external_id=author["did"],
            handle=handle,
            display_name=author.get("displayName") or "",
            profile_url=f"https://bsky.app/profile/{handle}",
            followers=int(author.get("followersCount") or 0),
        ),
        text=record.get("text", ""),
        created_at=cur.parse_iso(record.get("createdAt") or p.get("indexedAt")),
        language_hint=(record.get("langs") or [None])[0],
        in_reply_to=(reply.get("parent") or {}).get("uri"),
        url=f"https://bsky.app/profile/{handle}/post/{p['uri'].rsplit('/', 1)[-1]}",
        attachments=bluesky_attachments(record, author["did"]),
    )


class BlueskySearch(BaseConnector):
    """Posts matching `q`, newest first from the API, stored oldest first."""

    kind = "bluesky"
    pulled = True
    options = (
        Option("base_url", default="https://public.api.bsky.app", help="an AppView, or your PDS"),
        Option("q", required=True, help="the search text (Lucene-like syntax)"),
        Option("lang", help="limit to one language code"),
        Option("identifier", help="handle or DID, when signing in"),
        Option("app_password", secret=True),
        Option("page_size", default=50),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: dict[str, str] | None = None

    def _api(self, token: str | None = None) -> Transport:
        return self.transport("bluesky", {"Authorization": f"Bearer {token}"} if token else {})

    def _call(self, nsid: str, **kw: Any) -> Reply:
        if not self.settings.get("identifier"):
            return self._api().call("GET", f"/xrpc/{nsid}", **kw)
        if self._session is None:
            body = {"identifier": self.settings["identifier"], "password": self.secret("app_password")}
            self._session = (
                self._api().call("POST", "/xrpc/com.atproto.server.createSession", json_body=body).data
            )
        try:
            return self._api(self._session["accessJwt"]).call("GET", f"/xrpc/{nsid}", **kw)
        except PermanentError as exc:
            if "ExpiredToken" not in str(exc):
                raise
        fresh = self._api(self._session["refreshJwt"]).call("POST", "/xrpc/com.atproto.server.refreshSession")
        self._session = {**self._session, **fresh.data}
        return self._api(self._session["accessJwt"]).call("GET", f"/xrpc/{nsid}", **kw)

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep from the newest post down to the mark (first: the backfill horizon)."""
        state = cur.load(cursor) or {"hwm": self.backfill_horizon(), "seen": []}
        params: dict[str, Any] = {
            "q": self.settings["q"],
            "sort": "latest",
            "limit": max(1, min(100, int(self.settings["page_size"]))),
        }
        if self.settings.get("lang"):
            params["lang"] = self.settings["lang"]
        if state.get("page"):
            params["cursor"] = state["page"]
        res = self._call("app.bsky.feed.searchPosts", params=params)
        posts = [p for p in (res.data or {}).get("posts") or [] if isinstance(p, dict) and p.get("uri")]
        items = [cur.Item(cur.parse_iso(p.get("indexedAt")).timestamp(), p["uri"]) for p in posts]
        fresh, nxt, more = cur.sweep(state, items, (res.data or {}).get("cursor"))
        keep = set(fresh)
        messages, rejected = parse_each(
            reversed([p for p in posts if p["uri"] in keep]), parse_post, lambda p: str(p.get("uri"))
        )
        return Batch(tuple(messages), cur.dump(nxt), res.rate_limit, has_more=more, rejected=tuple(rejected))
