"""RSS/Atom stand-in: an Atom (or RSS 2.0) feed with ETag and Last-Modified, answering 304 to a
matching If-None-Match / If-Modified-Since; newest entries first, a bounded window like real feeds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.standins.base import Request, Response, StandIn, route


@dataclass
class FeedStandIn(StandIn):
    fmt: str = "atom"  # atom | rss
    window: int = 1000
    entries: list[dict] = field(default_factory=list)  # ascending
    _seq: int = 0

    def routes(self):
        return [route("GET", "/feed.xml", self._feed)]

    @property
    def url(self) -> str:
        return self.base_url + "/feed.xml"

    def add_mentions(self, n: int, *, with_ids: bool = True) -> list[str]:
        ids = []
        for _ in range(n):
            self._seq += 1
            eid = f"tag:reviews.example,2026:review-{self._seq}" if with_ids else ""
            self.entries.append(
                {
                    "id": eid,
                    "title": f"Review {self._seq}: 2 stars",
                    "link": f"https://reviews.example/r/{self._seq}",
                    "summary": f"<p>Shipping took <b>forever</b> ({self._seq})</p>",
                    "when": self.clock() + self._seq,
                    "author": "Reviewer",
                }
            )
            ids.append(eid)
        return ids

    def _body(self) -> bytes:
        items = list(reversed(self.entries))[: self.window]
        if self.fmt == "rss":
            xs = "".join(
                f"<item><title>{escape(e['title'])}</title><link>{e['link']}</link>"
                + (f"<guid isPermaLink='false'>{e['id']}</guid>" if e["id"] else "")
                + f"<pubDate>{format_datetime(datetime.fromtimestamp(e['when'], UTC), usegmt=True)}</pubDate>"
                f"<description>{escape(e['summary'])}</description></item>"
                for e in items
            )
            return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Reviews</title>{xs}</channel></rss>".encode()
        xs = "".join(
            f"<entry><id>{e['id']}</id><title>{escape(e['title'])}</title><link href='{e['link']}'/>"
            f"<updated>{datetime.fromtimestamp(e['when'], UTC).isoformat()}</updated>"
            f"<author><name>{e['author']}</name></author>"
            f"<summary type='html'>{escape(e['summary'])}</summary></entry>"
            for e in items
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Reviews of Acme</title><id>urn:reviews</id><updated>2026-03-04T10:00:00Z</updated>{xs}</feed>"
        ).encode()

    def _feed(self, req: Request) -> Response:
        body = self._body()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        last = max((e["when"] for e in self.entries), default=0)
        modified = format_datetime(datetime.fromtimestamp(int(last), UTC), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified}
        inm, ims = req.headers.get("if-none-match"), req.headers.get("if-modified-since")
        if inm == etag or (inm is None and ims == modified):
            return 304, headers, b""
        ctype = "application/atom+xml" if self.fmt == "atom" else "application/rss+xml"
        return 200, {"Content-Type": ctype + "; charset=utf-8", **headers}, body

    def error_body(self, status: int) -> Response:
        return status, {"Content-Type": "text/html"}, b"<h1>error</h1>"

    def rate_limited(self, reset_in: float) -> Response:
        return 429, {"Retry-After": str(int(reset_in)), "Content-Type": "text/plain"}, b"slow down"
