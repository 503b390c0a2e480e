"""X API v2: the user mention timeline with `since_id` + `pagination_token`; replies as posts.

Polling recipe (reference §2): ask `since_id=<hwm>`, follow `meta.next_token` to the
end (each page goes older but stays above since_id), and only then raise the mark to
the largest id seen, computed from `data[].id` (never trusted from `meta.newest_id`).
The half-finished sweep lives in the cursor, so a crash mid-way resumes it.
The 2026 OpenAPI file renames `tweet.fields`/`referenced_tweets` to `post.fields`/
`referenced_posts`; we send the documented names and read both.
"""

from __future__ import annotations

from typing import Any

from connectors import cursor as cur
from connectors.base import BaseConnector, Option
from connectors.http import Transport
from connectors.media import x_attachments
from connectors.registry import register
from connectors.types import Author, Batch, InboundMessage, OutboundReply

FIELDS = {
    "expansions": "author_id,attachments.media_keys",
    "media.fields": "type,url,preview_image_url,variants",
    "tweet.fields": "created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,author_id",
    "user.fields": "username,name,public_metrics,verified,profile_image_url",
}


def parse_page(body: dict[str, Any]) -> list[InboundMessage]:
    """`data[]` joined with `includes.users` into messages."""
    users = {u["id"]: u for u in (body.get("includes") or {}).get("users", [])}
    media = {m["media_key"]: m for m in (body.get("includes") or {}).get("media", []) if "media_key" in m}
    out = []
    for post in body.get("data") or []:
        u = users.get(
            post.get("author_id"), {"id": post.get("author_id", ""), "username": post.get("author_id", "")}
        )
        refs = post.get("referenced_tweets") or post.get("referenced_posts") or []
        replied = next((r["id"] for r in refs if r.get("type") == "replied_to"), None)
        out.append(
            InboundMessage(
                channel="x",
                external_id=str(post["id"]),
                thread_key=str(post.get("conversation_id") or post["id"]),
                author=Author(
                    external_id=str(u["id"]),
                    handle=str(u.get("username", "")),
                    display_name=u.get("name", ""),
                    profile_url=f"https://x.com/{u.get('username', '')}",
                    followers=int((u.get("public_metrics") or {}).get("followers_count", 0)),
                    verified=bool(u.get("verified", False)),
                ),
                text=post.get("text", ""),
                created_at=cur.parse_iso(post.get("created_at")),
                language_hint=post.get("lang"),
                in_reply_to=replied,
                url=f"https://x.com/{u.get('username', 'i')}/status/{post['id']}",
                attachments=x_attachments(post, media),
            )
        )
    return out


class XConnector(BaseConnector):
    """Mentions of one account; replies need a user-context token."""

    kind = "x"
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
    )

    @property
    def api(self) -> Transport:
        return self.transport("x", {"Authorization": f"Bearer {self.secret('bearer_token')}"})

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep above `since_id`; the mark moves only when the sweep ends."""
        state = cur.load(cursor)
        params: dict[str, Any] = {**FIELDS, "max_results": max(5, min(100, int(self.settings["page_size"])))}
        if state.get("since_id"):
            params["since_id"] = state["since_id"]
        if state.get("token"):
            params["pagination_token"] = state["token"]
        res = self.api.call("GET", f"/2/users/{self.settings['user_id']}/mentions", params=params)
        body = res.data or {}
        messages = parse_page(body)
        top = max(
            [int(m.external_id) for m in messages]
            + [int(state.get("max") or 0), int(state.get("since_id") or 0)]
        )
        token = (body.get("meta") or {}).get("next_token")
        if token and state.get("since_id"):  # first run takes the newest page only
            nxt = {"since_id": state["since_id"], "token": token, "max": str(top)}
        else:
            nxt = {"since_id": str(top) if top else "1"}  # an empty first poll follows from the start
        next_cursor = cur.dump(nxt)
        messages.reverse()  # oldest first
        return Batch(
            tuple(messages), next_cursor, res.rate_limit, has_more=bool(token and state.get("since_id"))
        )

    def send_reply(self, reply: OutboundReply) -> str:
        """POST /2/tweets with `reply.in_reply_to_tweet_id` (only answering a mention is allowed)."""
        body: dict[str, Any] = {"text": reply.text}
        if reply.in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply.in_reply_to}
        return str(self.api.call("POST", "/2/tweets", json_body=body).data["data"]["id"])

    def test(self) -> str:
        """GET /2/users/me proves the token."""
        me = self.api.call("GET", "/2/users/me", params={"user.fields": "public_metrics"}).data["data"]
        followers = (me.get("public_metrics") or {}).get("followers_count", 0)
        return f"signed in as @{me.get('username')} ({followers} followers)"


register(XConnector)
