"""X API v2: the user mention timeline with `since_id` + `pagination_token`; replies as posts.

Polling recipe (reference §2): ask `since_id=<hwm>`, follow `meta.next_token` to the
end (each page goes older but stays above since_id), and only then raise the mark to
the largest id seen, computed from `data[].id` (never trusted from `meta.newest_id`).
The half-finished sweep lives in the cursor, so a crash mid-way resumes it.
A response without `author_id` or `created_at` (possible when a proxy or an older app
strips the expansions) is never stored with a blank author, `https://x.com//status/..`
or a 1970 date: the post is rejected with its reason, which the channel's health shows.
The 2026 OpenAPI file renames `tweet.fields`/`referenced_tweets` to `post.fields`/
`referenced_posts`; we send the documented names and read both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, MiB, Option, ReplyFiles
from connectors.http import Transport
from connectors.media import x_attachments
from connectors.registry import register
from connectors.types import Attachment, Author, Batch, InboundMessage, OutboundReply

# Images up to 5 MB and animated GIFs up to 15 MB in one POST /2/media/upload; a post carries
# up to 4 images. Video needs the chunked INIT/APPEND/FINALIZE upload, which Murmur does not do.
REPLY_FILES = ReplyFiles(
    limits=(
        ("image/jpeg", 5 * MiB),
        ("image/png", 5 * MiB),
        ("image/webp", 5 * MiB),
        ("image/gif", 15 * MiB),
    ),
    max_files=4,
    carries="images and GIFs only (video is not sent from Murmur)",
)

# Asked on every call: without the expansion and the fields a post has no author and no date
# (recorded default responses carry only id, text and edit_history_tweet_ids).
FIELDS = {
    "expansions": "author_id,referenced_tweets.id,attachments.media_keys",
    "media.fields": "type,url,preview_image_url,variants",
    "tweet.fields": "created_at,conversation_id,public_metrics,referenced_tweets,lang,author_id,in_reply_to_user_id",
    "user.fields": "public_metrics,name,username,verified,profile_image_url",
}


def _refs(post: dict[str, Any]) -> list[dict[str, Any]]:
    return post.get("referenced_tweets") or post.get("referenced_posts") or []


def _replied_to(post: dict[str, Any]) -> str | None:
    return next((str(r["id"]) for r in _refs(post) if r.get("type") == "replied_to" and r.get("id")), None)


def thread_of(post: dict[str, Any], known: dict[str, dict[str, Any]]) -> str:
    """The conversation a post belongs to: its `conversation_id`, else the root reached by
    following `replied_to` through the posts at hand (the page and `includes.tweets`)."""
    seen: set[str] = set()
    while True:
        if post.get("conversation_id"):
            return str(post["conversation_id"])
        parent = _replied_to(post)
        if parent is None or parent in seen:
            return str(post["id"])
        seen.add(parent)
        if parent not in known:
            return parent  # the post answered is the furthest ancestor we can see
        post = known[parent]


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return cur.parse_iso(str(value))
    except ValueError:
        return None


def parse_page(body: dict[str, Any]) -> tuple[list[InboundMessage], list[str]]:
    """`data[]` joined with `includes.users` into messages, newest first as listed; plus the
    posts rejected (no author or no date: never stored with a blank author or a 1970 date)."""
    includes = body.get("includes") or {}
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    media = {
        m["media_key"]: m for m in includes.get("media") or [] if isinstance(m, dict) and "media_key" in m
    }
    posts = [p for p in body.get("data") or [] if isinstance(p, dict) and p.get("id")]
    known = {str(p["id"]): p for p in [*(includes.get("tweets") or []), *posts] if isinstance(p, dict)}
    out: list[InboundMessage] = []
    rejected: list[str] = []
    for post in posts:
        pid = str(post["id"])
        u = users.get(str(post.get("author_id") or ""))
        created = _when(post.get("created_at"))
        if not post.get("author_id"):
            rejected.append(f"{pid}: no author_id (the response lacks expansions=author_id)")
            continue
        if u is None or not u.get("username"):
            rejected.append(f"{pid}: author {post['author_id']} missing from includes.users")
            continue
        if created is None:
            rejected.append(f"{pid}: no created_at (the response lacks tweet.fields=created_at)")
            continue
        out.append(
            InboundMessage(
                channel="x",
                external_id=pid,
                thread_key=thread_of(post, known),
                author=Author(
                    external_id=str(u["id"]),
                    handle=str(u["username"]),
                    display_name=u.get("name") or "",
                    profile_url=f"https://x.com/{u['username']}",
                    followers=int((u.get("public_metrics") or {}).get("followers_count") or 0),
                    verified=bool(u.get("verified", False)),
                ),
                text=post.get("text", ""),
                created_at=created,
                language_hint=None if post.get("lang") in (None, "", "und") else post["lang"],
                in_reply_to=_replied_to(post),
                url=f"https://x.com/{u['username']}/status/{pid}",
                attachments=x_attachments(post, media),
            )
        )
    return out, rejected


def start_state(ts: float) -> dict[str, str]:
    """A first sweep's state: everything since `ts` (epoch seconds), by `start_time`."""
    return {"start": datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def sweep_page(
    api: Transport, path: str, state: dict[str, Any], params: dict[str, Any], token_param: str
) -> Batch:
    """One page of X's `since_id` sweep at `path` (the mention timeline, or recent search, whose
    paging parameter is `next_token`): ask above the mark (first: from `start`), follow
    `meta.next_token` to the end, and only then raise the mark to the largest id seen, computed
    from `data[].id`. The half-done sweep lives in the cursor, so a crash or a 429 mid-way
    resumes at the same page."""
    params = dict(params)
    if state.get("since_id"):
        params["since_id"] = state["since_id"]
    elif state.get("start"):
        params["start_time"] = state["start"]
    if state.get("token"):
        params[token_param] = state["token"]
    res = api.call("GET", path, params=params)
    body = res.data or {}
    messages, rejected = parse_page(body)
    ids = [
        int(str(p["id"]))
        for p in body.get("data") or []
        if isinstance(p, dict) and str(p.get("id", "")).isdigit()
    ]
    top = max([*ids, int(state.get("max") or 0), int(state.get("since_id") or 0)])
    token = (body.get("meta") or {}).get("next_token")
    base = {"since_id": state["since_id"]} if state.get("since_id") else {"start": state["start"]}
    if token:
        nxt = {**base, "token": token, "max": str(top)}
    elif top:
        nxt = {"since_id": str(top)}
    else:
        nxt = base  # nothing since the horizon yet: ask from the same start next time
    messages.reverse()  # oldest first
    return Batch(
        tuple(messages), cur.dump(nxt), res.rate_limit, has_more=bool(token), rejected=tuple(rejected)
    )


class XConnector(BaseConnector):
    """Mentions of one account; replies need a user-context token."""

    kind = "x"
    sends_attachments = True
    reply_files = REPLY_FILES
    pulled = True
    options = (
        Option("base_url", default="https://api.x.com"),
        Option("user_id", required=True, help="numeric id of the brand account"),
        Option(
            "bearer_token",
            secret=True,
            required=True,
            help="OAuth2 user token (tweet.read tweet.write users.read)",
        ),
        Option("page_size", default=100),
        Option("timeout", default=10.0),
        BACKFILL,
    )

    @property
    def api(self) -> Transport:
        return self.transport("x", {"Authorization": f"Bearer {self.secret('bearer_token')}"})

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep above `since_id` (first: back to the backfill horizon by
        `start_time`); the mark moves only when the sweep ends."""
        state = cur.load(cursor) or start_state(self.backfill_horizon())
        params: dict[str, Any] = {**FIELDS, "max_results": max(5, min(100, int(self.settings["page_size"])))}
        path = f"/2/users/{self.settings['user_id']}/mentions"
        return sweep_page(self.api, path, state, params, "pagination_token")

    def send_reply(self, reply: OutboundReply) -> str:
        """POST /2/tweets with `reply.in_reply_to_tweet_id` (only answering a mention is allowed)."""
        body: dict[str, Any] = {"text": reply.text}
        if reply.in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply.in_reply_to}
        if reply.attachments:
            body["media"] = {"media_ids": [self._upload(f) for f in reply.attachments]}
        return str(self.api.call("POST", "/2/tweets", json_body=body).data["data"]["id"])

    def _upload(self, f: Attachment) -> str:
        """POST /2/media/upload (multipart `media`, `media_category`): the id a post names."""
        ctype = f.content_type or "application/octet-stream"
        category = "tweet_gif" if ctype == "image/gif" else "tweet_image"
        res = self.api.call(
            "POST",
            "/2/media/upload",
            data={"media_category": category, "media_type": ctype},
            files={"media": (f.name or "media", f.data or b"", ctype)},
        )
        return str(res.data["data"]["id"])

    def test(self) -> str:
        """GET /2/users/me proves the token."""
        me = self.api.call("GET", "/2/users/me", params={"user.fields": "public_metrics"}).data["data"]
        followers = (me.get("public_metrics") or {}).get("followers_count", 0)
        return f"signed in as @{me.get('username')} ({followers} followers)"


register(XConnector)
