"""Reddit search (GET /search.json?sort=new) swept with `after`.

Listings page only towards older posts, so a poll walks from the newest down to the
high-water mark (`connectors.cursor.sweep`, keyed on `created_utc`). Reddit's
`x-ratelimit-reset` counts seconds from now (handled in connectors.http). A descriptive
User-Agent is mandatory; generic ones are throttled. Unauthenticated `www.reddit.com`
serves `/search.json`; with an OAuth app point `base_url` at oauth.reddit.com (not wired yet).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option
from connectors.http import Transport
from connectors.types import Author, Batch, InboundMessage


def parse_post(child: dict[str, Any]) -> InboundMessage:
    """A t3 (link/self post) listing child to a message: its title and body."""
    d = child["data"]
    author = d.get("author") or "[deleted]"
    body = "\n".join(p for p in (d.get("title"), d.get("selftext")) if p)
    permalink = d.get("permalink")
    return InboundMessage(
        channel="reddit",
        external_id=d["name"],
        thread_key=d["name"],
        author=Author(
            external_id=d.get("author_fullname") or author,
            handle=author,
            profile_url=f"https://www.reddit.com/user/{author}",
        ),
        text=body,
        created_at=datetime.fromtimestamp(float(d["created_utc"]), UTC),
        html=d.get("selftext_html"),
        url=f"https://www.reddit.com{permalink}" if permalink else d.get("url"),
        subject=d.get("title") or None,
    )


class RedditSearch(BaseConnector):
    """Posts matching `q` across Reddit (or one subreddit with `restrict_sr`)."""

    kind = "reddit"
    pulled = True
    options = (
        Option("base_url", default="https://www.reddit.com"),
        Option("q", required=True, help="Reddit search syntax"),
        Option("subreddit", help="search one subreddit only"),
        Option("user_agent", default="murmur-listening/0.1", help="must be unique and descriptive"),
        Option("page_size", default=100),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    @property
    def api(self) -> Transport:
        return self.transport("reddit", {"User-Agent": self.settings["user_agent"]})

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep, newest first, down to the mark (first: the backfill horizon)."""
        state = cur.load(cursor) or {"hwm": self.backfill_horizon(), "seen": []}
        params: dict[str, Any] = {
            "q": self.settings["q"],
            "sort": "new",
            "limit": max(1, min(100, int(self.settings["page_size"]))),
            "raw_json": 1,
            "type": "link",
        }
        path = "/search.json"
        if self.settings.get("subreddit"):
            path = f"/r/{self.settings['subreddit']}/search.json"
            params["restrict_sr"] = "on"
        if state.get("page"):
            params["after"] = state["page"]
        res = self.api.call("GET", path, params=params)
        data = (res.data or {}).get("data") or {}
        children = [
            c for c in data.get("children") or [] if isinstance(c, dict) and isinstance(c.get("data"), dict)
        ]
        rejected: list[str] = []
        usable = []
        for c in children:
            if not c["data"].get("name") or c["data"].get("created_utc") in (None, ""):
                rejected.append(f"{c['data'].get('name', '?')}: no name or created_utc")
            else:
                usable.append(c)
        items = [cur.Item(float(c["data"]["created_utc"]), c["data"]["name"]) for c in usable]
        fresh, nxt, more = cur.sweep(state, items, data.get("after"))
        keep = set(fresh)
        messages = sorted(
            (parse_post(c) for c in usable if c["data"]["name"] in keep), key=lambda m: m.created_at
        )
        return Batch(tuple(messages), cur.dump(nxt), res.rate_limit, has_more=more, rejected=tuple(rejected))
