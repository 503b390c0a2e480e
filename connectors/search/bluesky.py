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
from connectors.bluesky import AtprotoSession, post_message
from connectors.http import Reply
from connectors.types import Batch, InboundMessage


def parse_post(p: dict[str, Any]) -> InboundMessage:
    """A postView to a message, as the channel parses its notifications (its author view may
    carry a follower count; searchPosts' usually does not: 0)."""
    author = p["author"]
    return post_message(
        p["uri"], p.get("record") or {}, author, p.get("indexedAt"), int(author.get("followersCount") or 0)
    )


class BlueskySearch(AtprotoSession, BaseConnector):
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

    def _call(self, nsid: str, **kw: Any) -> Reply:
        """Anonymously from an AppView, or signed in (through the PDS) when an identifier is set."""
        if not self.settings.get("identifier"):
            return self._api().call("GET", f"/xrpc/{nsid}", **kw)
        return self._signed_call("GET", nsid, **kw)

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
