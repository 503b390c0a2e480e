"""Stand-ins for the search APIs listening streams use, each with its documented paging:

* X API v2 `GET /2/tweets/search/recent`: `query`, `since_id`, `start_time`, `next_token`,
  `max_results` 10..100; `data` newest first, `includes.users`, `meta.next_token` only when
  another page waits; 429 with `x-rate-limit-reset` (epoch seconds).
* Mastodon `GET /api/v1/timelines/tag/:hashtag` and `GET /api/v2/search?type=statuses`:
  `min_id` returns the page immediately after the mark, newest first within the page;
  `limit` at most 40; X-RateLimit-Reset as ISO-8601.
* Bluesky `GET /xrpc/app.bsky.feed.searchPosts?sort=latest`: `posts` newest first, an opaque
  `cursor` towards older posts, none on the last page; RateLimit-Reset epoch seconds.
* Reddit `GET /search.json?sort=new`: a Listing of t3 children newest first, `after` the
  fullname to continue from, null on the last page; x-ratelimit-reset in seconds from now.

Like the real services their matching is loose: a post is found when any word of the query
occurs anywhere in it, case-insensitively, so "acme" also finds "acmeville" and the posts a
stream excludes; the stream's local check is what keeps them out.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.standins.base import Request, Response, json_response, route
from tests.standins.bluesky import BlueskyStandIn
from tests.standins.mastodon import MastodonStandIn
from tests.standins.reddit import RedditStandIn
from tests.standins.x import XStandIn


@dataclass
class Post:
    """One public post, rendered by each stand-in in its network's shape."""

    seq: int
    text: str
    author: str
    followers: int
    lang: str | None
    at: float
    hashtags: tuple[str, ...] = ()


def _words(q: str) -> list[str]:
    """The query's words, operators and quotes dropped (loosely, as the networks' search is)."""
    q = re.sub(r"\blang:\S+|\bis:\S+|\bOR\b|-\S+", " ", q or "")
    return [w.strip('"()#').casefold() for w in q.split() if w.strip('"()#')]


def found(posts: list[Post], q: str) -> list[Post]:
    words = _words(q)
    return [p for p in posts if any(w in p.text.casefold() for w in words)]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


@dataclass
class Corpus:
    """What the world is saying, shared by the stand-ins of one test."""

    clock: Any
    posts: list[Post] = field(default_factory=list)

    def add(
        self,
        text: str,
        *,
        author: str = "dana_k",
        followers: int = 120,
        lang: str | None = "en",
        hashtags: tuple[str, ...] = (),
    ) -> Post:
        p = Post(
            len(self.posts) + 1,
            text,
            author,
            followers,
            lang,
            self.clock() - 60 + len(self.posts) * 0.001,
            hashtags,
        )
        self.posts.append(p)
        return p


@dataclass
class XSearchStandIn(XStandIn):
    corpus: Corpus | None = None
    base_id: int = 1_900_000_000_000_000_000

    def routes(self):
        return [route("GET", "/2/tweets/search/recent", self._search)]

    def post_id(self, p: Post) -> str:
        return str(self.base_id + p.seq * 1000)

    def _search(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        size = int(req.arg("max_results", "10"))
        if not 10 <= size <= 100:
            return json_response(
                400,
                {"title": "Invalid Request", "detail": "max_results must be 10..100", "type": "about:blank"},
            )
        items = sorted(found(self.corpus.posts, req.arg("query") or ""), key=lambda p: p.seq, reverse=True)
        if req.arg("since_id"):
            items = [p for p in items if int(self.post_id(p)) > int(req.arg("since_id"))]
        offset = int(req.arg("next_token") or 0)
        page = items[offset : offset + size]
        if not page:
            return json_response(200, {"meta": {"result_count": 0}}, self._rl())
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": self.post_id(page[0]),
            "oldest_id": self.post_id(page[-1]),
        }
        if offset + size < len(items):
            meta["next_token"] = str(offset + size)
        data = [
            {
                "id": self.post_id(p),
                "text": p.text,
                "author_id": str(10_000 + zlib.crc32(p.author.encode()) % 10**6),
                "created_at": _iso(p.at),
                "lang": p.lang or "und",
                "conversation_id": self.post_id(p),
                "edit_history_tweet_ids": [self.post_id(p)],
            }
            for p in page
        ]
        users = {
            d["author_id"]: {
                "id": d["author_id"],
                "username": p.author,
                "name": p.author.title(),
                "public_metrics": {"followers_count": p.followers},
            }
            for d, p in zip(data, page, strict=True)
        }
        return json_response(
            200, {"data": data, "includes": {"users": list(users.values())}, "meta": meta}, self._rl()
        )


def _status(p: Post) -> dict[str, Any]:
    tags = "".join(
        f' <a href="https://mastodon.example/tags/{t}" class="mention hashtag">#<span>{t}</span></a>'
        for t in p.hashtags
        if f"#{t}" not in p.text
    )
    return {
        "id": str(100_000 + p.seq),
        "created_at": _iso(p.at),
        "visibility": "public",
        "language": p.lang,
        "content": f"<p>{p.text}{tags}</p>",
        "url": f"https://mastodon.example/@{p.author}/{100_000 + p.seq}",
        "in_reply_to_id": None,
        "media_attachments": [],
        "tags": [{"name": t} for t in p.hashtags],
        "account": {
            "id": str(zlib.crc32(p.author.encode()) % 10**6),
            "username": p.author,
            "acct": p.author,
            "display_name": p.author.title(),
            "url": f"https://mastodon.example/@{p.author}",
            "followers_count": p.followers,
        },
    }


@dataclass
class MastodonSearchStandIn(MastodonStandIn):
    corpus: Corpus | None = None

    def routes(self):
        return [
            route("GET", "/api/v1/timelines/tag/", self._tag, exact=False),
            route("GET", "/api/v2/search", self._search),
        ]

    def _page(self, req: Request, posts: list[Post]) -> list[dict[str, Any]]:
        limit = min(40, int(req.arg("limit", "20")))
        statuses = sorted((_status(p) for p in posts), key=lambda s: int(s["id"]))
        if req.arg("max_id"):
            statuses = [s for s in statuses if int(s["id"]) < int(req.arg("max_id"))]
        if req.arg("min_id"):  # the page just above the mark, oldest of it first, shown newest first
            above = [s for s in statuses if int(s["id"]) > int(req.arg("min_id"))]
            return list(reversed(above[:limit]))
        return list(reversed(statuses))[:limit]

    def _tag(self, req: Request) -> Response:
        tag = req.path.rsplit("/", 1)[-1].casefold()
        posts = [p for p in self.corpus.posts if tag in (t.casefold() for t in p.hashtags)]
        return json_response(200, self._page(req, posts), self._headers())

    def _search(self, req: Request) -> Response:
        if (denied := self._auth(req)) is not None:
            return denied
        if req.arg("type") != "statuses":
            return json_response(200, {"accounts": [], "statuses": [], "hashtags": []}, self._headers())
        statuses = self._page(req, found(self.corpus.posts, req.arg("q") or ""))
        return json_response(200, {"accounts": [], "statuses": statuses, "hashtags": []}, self._headers())


@dataclass
class BlueskySearchStandIn(BlueskyStandIn):
    corpus: Corpus | None = None

    def routes(self):
        return [route("GET", "/xrpc/app.bsky.feed.searchPosts", self._search)]

    def _search(self, req: Request) -> Response:
        if not req.arg("q"):
            return json_response(
                400, {"error": "InvalidRequest", "message": 'Input must have the property "q"'}
            )
        limit = int(req.arg("limit", "25"))
        items = sorted(found(self.corpus.posts, req.arg("q") or ""), key=lambda p: p.seq, reverse=True)
        offset = int(req.arg("cursor") or 0)
        page = items[offset : offset + limit]
        posts = [
            {
                "uri": f"at://did:plc:{p.author}/app.bsky.feed.post/3k{p.seq:06d}",
                "cid": f"bafy{p.seq}",
                "author": {
                    "did": f"did:plc:{p.author}",
                    "handle": f"{p.author}.bsky.social",
                    "displayName": p.author.title(),
                },
                "record": {
                    "$type": "app.bsky.feed.post",
                    "text": p.text,
                    "createdAt": _iso(p.at),
                    "langs": [p.lang] if p.lang else [],
                },
                "indexedAt": _iso(p.at),
                "likeCount": 0,
            }
            for p in page
        ]
        body: dict[str, Any] = {"posts": posts}
        if offset + limit < len(items):
            body["cursor"] = str(offset + limit)
        return json_response(200, body, self._rl())


@dataclass
class RedditSearchStandIn(RedditStandIn):
    corpus: Corpus | None = None

    def routes(self):
        return [route("GET", "/search.json", self._search)]

    def _search(self, req: Request) -> Response:
        if not (req.headers.get("user-agent") or "").strip():
            return json_response(429, {"message": "Too Many Requests", "error": 429})
        limit = min(100, int(req.arg("limit", "25")))
        items = sorted(found(self.corpus.posts, req.arg("q") or ""), key=lambda p: p.seq, reverse=True)
        names = [f"t3_{p.seq:x}" for p in items]
        start = names.index(req.arg("after")) + 1 if req.arg("after") in names else 0
        page = items[start : start + limit]
        children = [
            {
                "kind": "t3",
                "data": {
                    "name": f"t3_{p.seq:x}",
                    "id": f"{p.seq:x}",
                    "title": p.text,
                    "selftext": "",
                    "author": p.author,
                    "author_fullname": f"t2_{zlib.crc32(p.author.encode()) % 10**6:x}",
                    "created_utc": round(p.at, 3),
                    "permalink": f"/r/gadgets/comments/{p.seq:x}/post/",
                    "subreddit": "gadgets",
                },
            }
            for p in page
        ]
        after = children[-1]["data"]["name"] if start + limit < len(items) and children else None
        return json_response(
            200,
            {"kind": "Listing", "data": {"after": after, "before": None, "children": children}},
            self._rl(),
        )
