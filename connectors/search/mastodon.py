"""Mastodon: a hashtag timeline (GET /api/v1/timelines/tag/:hashtag) or status search
(GET /api/v2/search?type=statuses), followed forward with `min_id`.

`min_id` returns the page immediately after the mark (newest first within it), so a burst
larger than one page is walked in order without a gap; the mark is the newest id of the page
just stored. Search has no time filter, so the first polls walk back with `max_id` to the
`backfill_days` horizon (storing nothing) and then come forward with `min_id`. Hashtag timelines of public instances need no token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option, parse_each
from connectors.cursor import parse_iso
from connectors.http import Transport
from connectors.mastodon import _author
from connectors.media import mastodon_attachments
from connectors.text import html_to_text
from connectors.types import Batch, InboundMessage

PAGE = 40  # both endpoints' maximum


def parse_status(status: dict[str, Any]) -> InboundMessage | None:
    """A public status to a message (private or direct ones, never found by search, to None)."""
    if status.get("visibility") in ("direct", "private"):
        return None
    reply_to = status.get("in_reply_to_id")
    return InboundMessage(
        channel="mastodon",
        external_id=str(status["id"]),
        thread_key=str(reply_to or status["id"]),
        author=_author(status["account"]),
        text=html_to_text(status.get("content")),
        created_at=parse_iso(status["created_at"]),
        html=status.get("content"),
        language_hint=status.get("language"),
        in_reply_to=str(reply_to) if reply_to else None,
        url=status.get("url") or status.get("uri"),
        attachments=mastodon_attachments(status),
    )


class MastodonSearch(BaseConnector):
    """One hashtag's timeline (`hashtag`) or one search query (`q`) on one instance."""

    kind = "mastodon"
    pulled = True
    options = (
        Option("base_url", required=True, help="the instance, e.g. https://mastodon.social"),
        Option("hashtag", help="a hashtag without #: polls /api/v1/timelines/tag/:hashtag"),
        Option("q", help="a search query: polls /api/v2/search (needs a token)"),
        Option("access_token", secret=True, help="scope read:search (needed by search only)"),
        Option("page_size", default=PAGE),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    @property
    def api(self) -> Transport:
        token = self._secrets.get("access_token")
        return self.transport("mastodon", {"Authorization": f"Bearer {token}"} if token else {})

    def _fetch(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
        if self.settings.get("hashtag"):
            path = f"/api/v1/timelines/tag/{quote(str(self.settings['hashtag']).lstrip('#'), safe='')}"
            res = self.api.call("GET", path, params=params)
            return res.data or [], res
        params = {**params, "q": self.settings.get("q") or "", "type": "statuses", "resolve": "false"}
        res = self.api.call("GET", "/api/v2/search", params=params)
        return (res.data or {}).get("statuses") or [], res

    def poll(self, cursor: str | None) -> Batch:
        """The page just after `min_id=cursor`; the first polls walk back to the backfill horizon."""
        limit = min(PAGE, int(self.settings["page_size"]))
        if not cursor or cursor.startswith("{"):
            return self._seek(cur.load(cursor), limit)
        items, res = self._fetch({"limit": limit, "min_id": cursor})
        if not items:
            return Batch((), cursor, res.rate_limit, has_more=False)
        newest = max((str(s["id"]) for s in items), key=lambda i: (len(i), i))  # ids are numeric strings
        messages, rejected = parse_each(reversed(items), parse_status, lambda s: str(s.get("id")))
        more = len(items) >= limit
        return Batch(tuple(messages), newest, res.rate_limit, has_more=more, rejected=tuple(rejected))

    def _seek(self, state: dict[str, Any], limit: int) -> Batch:
        """Walk back newest first (`max_id`), storing nothing, until a post older than the horizon;
        the forward polls then bring everything after it in, oldest first (as the channel does)."""
        horizon = float(state.get("horizon") or self.backfill_horizon())
        params: dict[str, Any] = {"limit": limit}
        if state.get("seek"):
            params["max_id"] = state["seek"]
        items, res = self._fetch(params)
        for st in items:
            if parse_iso(st.get("created_at")).timestamp() < horizon:
                return Batch((), str(st["id"]), res.rate_limit, has_more=True)
        if len(items) < limit:  # everything the search has is within the horizon
            return Batch((), "0", res.rate_limit, has_more=True)
        nxt = cur.dump({"seek": str(items[-1]["id"]), "horizon": horizon})
        return Batch((), nxt, res.rate_limit, has_more=True)
