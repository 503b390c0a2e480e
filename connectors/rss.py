"""RSS / Atom feeds (review sites, alert feeds): conditional GET, entry ids as external ids.

The feed is fetched with httpx (timeouts, the shared error mapping) and only parsed
by feedparser. ETag and Last-Modified live in the cursor and go back as
If-None-Match / If-Modified-Since; a 304 costs nothing. The cursor also keeps the
last few hundred entry ids, because a changed feed repeats most of its entries.
Entries without an id (RSS items lacking <guid>) get sha256(link|title|published).
The first fetch keeps only entries published within `backfill_days`; later fetches take
every entry not seen before. An undated entry is dated when it was first fetched.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import feedparser

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option
from connectors.errors import TransientError
from connectors.http import Transport
from connectors.media import kind_of, name_from_url
from connectors.registry import register
from connectors.text import html_to_text
from connectors.types import Attachment, Author, Batch, InboundMessage

KEEP_IDS = 500


def entry_id(e: Any) -> str:
    """The entry's id, or a stable hash when the feed gives none."""
    if e.get("id"):
        return str(e["id"])
    raw = "|".join(str(e.get(k, "")) for k in ("link", "title", "published"))
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _unwrap(link: str | None) -> str | None:
    """Alert feeds wrap links in a redirect (`...?url=<target>`); store the target."""
    if link and "google." in (urlparse(link).hostname or ""):
        target = parse_qs(urlparse(link).query).get("url")
        return target[0] if target else link
    return link


def enclosures(e: Any) -> tuple[Attachment, ...]:
    """RSS `<enclosure>` and Atom `rel="enclosure"` links (a podcast's audio, a review's photo):
    described with their declared type and length, fetched later like other remote media (a
    file over the size limit is refused from its declared length, never downloaded)."""
    out = []
    for enc in e.get("enclosures") or []:
        url = enc.get("href") or enc.get("url")
        if not url:
            continue
        ctype = (enc.get("type") or "").lower()
        length = str(enc.get("length") or "")
        out.append(
            Attachment(
                kind=kind_of(ctype, url),
                name=name_from_url(url, "enclosure"),
                content_type=ctype,
                size=int(length) if length.isdigit() and int(length) > 0 else None,
                url=url,
            )
        )
    return tuple(out)


def parse_entry(
    e: Any, feed_title: str, fetched_at: datetime | None = None, feed_author: str = ""
) -> InboundMessage:
    """A feed entry to a message; an undated entry is dated when it was fetched, never 1970.
    The author is the entry's, else the feed's own `<author>` (Atom feeds such as heise's name
    it once for all entries), else the feed's title."""
    html = (e.get("content") or [{}])[0].get("value") or e.get("summary") or ""
    when = e.get("published_parsed") or e.get("updated_parsed")
    author = e.get("author") or feed_author or feed_title or "feed"
    eid = entry_id(e)
    return InboundMessage(
        channel="rss",
        external_id=eid,
        thread_key=eid,
        author=Author(external_id=author, handle=author, display_name=author),
        text="\n".join(p for p in (e.get("title"), html_to_text(html)) if p),
        created_at=datetime.fromtimestamp(calendar.timegm(when), UTC)
        if when
        else (fetched_at or datetime.now(UTC)),
        html=html or None,
        url=_unwrap(e.get("link")),
        subject=e.get("title") or None,
        attachments=enclosures(e),
    )


class RssConnector(BaseConnector):
    """One feed URL, polled with conditional GET."""

    kind = "rss"
    pulled = True
    options = (
        Option("url", required=True, help="the feed URL"),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    def poll(self, cursor: str | None) -> Batch:
        """New entries since the last fetch; a 304 or an unchanged feed returns the same cursor."""
        state = cur.load(cursor)
        headers = {"User-Agent": "murmur-inbox/0.1 (+feed reader)"}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            headers["If-Modified-Since"] = state["modified"]
        res = Transport(
            self.http, self.settings["url"], clock=self.clock, timeout=float(self.settings["timeout"])
        ).call("GET", self.settings["url"], headers=headers, expect_json=False, ok_statuses=(304,))
        if res.status == 304:
            return Batch((), cursor, has_more=False)
        d = feedparser.parse(res.content, response_headers={k.lower(): v for k, v in res.headers.items()})
        if d.get("bozo") and not d.entries and not (d.get("feed") or {}).get("title"):
            raise TransientError("malformed feed: not RSS or Atom (will retry)")
        seen = list(state.get("seen", []))
        known = set(seen)
        title = (d.get("feed") or {}).get("title", "")
        feed_author = (d.get("feed") or {}).get("author", "")
        now = datetime.fromtimestamp(self.clock(), UTC)
        fresh = [parse_entry(e, title, now, feed_author) for e in d.entries if entry_id(e) not in known]
        seen = (seen + [m.external_id for m in fresh])[-KEEP_IDS:]
        if cursor is None:  # the first fetch: entries older than the backfill horizon stay out
            horizon = self.backfill_horizon()
            fresh = [m for m in fresh if m.created_at.timestamp() >= horizon]
        nxt = {"etag": res.headers.get("etag"), "modified": res.headers.get("last-modified"), "seen": seen}
        fresh.sort(key=lambda m: m.created_at)
        return Batch(tuple(fresh), cur.dump(nxt), has_more=False)

    def test(self) -> str:
        """One unconditional fetch: the feed's title and entry count."""
        res = Transport(
            self.http, self.settings["url"], clock=self.clock, timeout=float(self.settings["timeout"])
        ).call("GET", self.settings["url"], expect_json=False)
        d = feedparser.parse(res.content)
        return f"feed {(d.get('feed') or {}).get('title', '?')!r} ({d.get('version') or 'unknown format'}) with {len(d.entries)} entries"


register(RssConnector)
