"""Reddit: the inbox listing (comment replies, username mentions, private messages) swept with `after`.

`after` pages only older, so a poll walks from the top to the high-water mark
(`connectors.cursor.sweep`, keyed on `created_utc`), deduping on the fullname.
Reddit's `x-ratelimit-reset` is *seconds from now*, not an epoch (handled in
`connectors.http`). A descriptive User-Agent is mandatory; generic ones are throttled.
Action errors arrive with HTTP 200 inside `json.errors`; RATELIMIT among them is a 429.

Real inbox pages (PRAW's recorded cassettes) differ from the documented shape in ways that
matter: a private message's later replies are nested in its `data.replies` listing rather
than listed on their own, and comment items carry no `link_id`, so the post a comment
belongs to is read from its `context` path (`/r/<sub>/comments/<post>/<slug>/<comment>/`).
The first poll reaches back `backfill_days` (the sweep stops at that horizon).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import cursor as cur
from connectors.base import BACKFILL, BaseConnector, Option
from connectors.errors import PermanentError, RateLimited
from connectors.http import Transport
from connectors.media import reddit_attachments
from connectors.registry import register
from connectors.types import Author, Batch, InboundMessage, OutboundReply

_POST_IN_CONTEXT = re.compile(r"/comments/([a-z0-9]+)/")


def _thread(d: dict[str, Any], private: bool) -> str:
    """A private message threads under its first message; a comment under its post."""
    if private:
        return f"pm:{d.get('first_message_name') or d['name']}"
    if d.get("link_id"):
        return str(d["link_id"])
    post = _POST_IN_CONTEXT.search(d.get("context") or "")
    return f"t3_{post.group(1)}" if post else str(d.get("parent_id") or d["name"])


def parse_item(child: dict[str, Any]) -> InboundMessage:
    """A t1 (comment/mention) or t4 (private message) listing child to a message."""
    d = child["data"]
    private = child.get("kind") == "t4"
    author = d.get("author") or "[deleted]"
    context = d.get("context")
    return InboundMessage(
        channel="reddit",
        external_id=d["name"],
        thread_key=_thread(d, private),
        author=Author(
            external_id=d.get("author_fullname") or author,
            handle=author,
            profile_url=f"https://www.reddit.com/user/{author}",
        ),
        text=d.get("body", ""),
        created_at=datetime.fromtimestamp(float(d["created_utc"]), UTC),
        html=d.get("body_html"),
        public=not private,
        in_reply_to=d.get("parent_id"),
        url=f"https://www.reddit.com{context}" if context else None,
        # a message's own subject; for a comment, the title of the post it was left on
        subject=(d.get("subject") if private else d.get("link_title")) or None,
        attachments=reddit_attachments(d),
    )


def with_replies(child: dict[str, Any]) -> list[dict[str, Any]]:
    """A listing child and every reply nested in its `data.replies` (depth first, in order)."""
    out = [child]
    replies = child["data"].get("replies")
    if isinstance(replies, dict):  # "" when there are none
        for reply in (replies.get("data") or {}).get("children") or []:
            if isinstance(reply, dict) and isinstance(reply.get("data"), dict):
                out += with_replies(reply)
    return out


def parse_listing(children: list[dict[str, Any]]) -> tuple[list[InboundMessage], list[str]]:
    """Every message of a page, nested replies included, oldest first; plus the items rejected."""
    messages: list[InboundMessage] = []
    rejected: list[str] = []
    for child in children:
        for item in with_replies(child):
            d = item["data"]
            if not d.get("name") or d.get("created_utc") in (None, ""):
                rejected.append(f"{d.get('name', '?')}: no name or created_utc")
                continue
            try:
                messages.append(parse_item(item))
            except (KeyError, TypeError, ValueError) as exc:
                rejected.append(f"{d['name']}: unreadable item ({type(exc).__name__}: {exc})")
    messages.sort(key=lambda m: m.created_at)
    return messages, rejected


def _latest(child: dict[str, Any]) -> float:
    """The newest time in a thread: a new reply nested in an old message makes the thread new."""
    return max(float(c["data"].get("created_utc") or 0) for c in with_replies(child))


class RedditConnector(BaseConnector):
    """One account's inbox via a script app (password grant) or a refresh token."""

    kind = "reddit"
    pulled = True
    options = (
        Option("base_url", default="https://oauth.reddit.com"),
        Option("auth_url", default="https://www.reddit.com"),
        Option("client_id", required=True),
        Option("username", help="for script apps (password grant)"),
        Option("user_agent", default="murmur-inbox/0.1", help="must be unique and descriptive"),
        Option("listing", default="inbox", help="inbox | mentions | messages"),
        Option("page_size", default=100),
        Option("timeout", default=10.0),
        BACKFILL,
        Option("client_secret", secret=True, required=True),
        Option("password", secret=True),
        Option("refresh_token", secret=True),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None

    def _transport(self, base: str, headers: dict[str, str]) -> Transport:
        return self.transport("reddit", {"User-Agent": self.settings["user_agent"], **headers}, base)

    @property
    def api(self) -> Transport:
        if self._token is None:
            if self._secrets.get("refresh_token"):
                form = {"grant_type": "refresh_token", "refresh_token": self.secret("refresh_token")}
            else:
                form = {
                    "grant_type": "password",
                    "username": self.settings.get("username", ""),
                    "password": self.secret("password"),
                }
            auth = self._transport(self.settings["auth_url"], {})
            res = auth.call(
                "POST",
                "/api/v1/access_token",
                data=form,
                headers={"Authorization": _basic(self.settings["client_id"], self.secret("client_secret"))},
            )
            if "access_token" not in (res.data or {}):
                raise PermanentError(
                    f"reddit token request refused: {(res.data or {}).get('error', 'no token')}"
                )
            self._token = res.data["access_token"]
        return self._transport(self.settings["base_url"], {"Authorization": f"bearer {self._token}"})

    def poll(self, cursor: str | None) -> Batch:
        """One page of the sweep, newest first, down to the high-water mark (first: the backfill horizon)."""
        state = cur.load(cursor) or {"hwm": self.backfill_horizon(), "seen": []}
        params: dict[str, Any] = {"limit": int(self.settings["page_size"]), "raw_json": 1}
        if state.get("page"):
            params["after"] = state["page"]
        res = self.api.call("GET", f"/message/{self.settings['listing']}", params=params)
        data = (res.data or {}).get("data") or {}
        children = [c for c in data.get("children", []) if isinstance(c, dict) and "data" in c]
        items = [cur.Item(_latest(c), c["data"]["name"]) for c in children]
        fresh, nxt, more = cur.sweep(state, items, data.get("after"))
        keep = set(fresh)
        messages, rejected = parse_listing([c for c in children if c["data"]["name"] in keep])
        return Batch(
            tuple(messages),
            cur.dump(nxt) if nxt else cursor,
            res.rate_limit,
            has_more=more,
            rejected=tuple(rejected),
        )

    def send_reply(self, reply: OutboundReply) -> str:
        """api/comment on the fullname answered (t1 comment or t4 message)."""
        if not reply.in_reply_to:
            raise PermanentError("a Reddit reply needs in_reply_to (the item's fullname)")
        form = {"api_type": "json", "thing_id": reply.in_reply_to, "text": reply.text}
        body = self.api.call("POST", "/api/comment", data=form).data.get("json", {})
        for code, message, *_ in body.get("errors") or []:
            if code == "RATELIMIT":
                m = re.search(r"(\d+) (minute|second)", message or "")
                wait = int(m.group(1)) * (60 if m and m.group(2) == "minute" else 1) if m else 60
                raise RateLimited(
                    datetime.fromtimestamp(self.clock(), UTC) + timedelta(seconds=wait), message
                )
            raise PermanentError(f"reddit refused the reply: {code}: {message}")
        return str(body["data"]["things"][0]["data"]["name"])

    def test(self) -> str:
        """api/v1/me proves the credentials."""
        me = self.api.call("GET", "/api/v1/me").data
        return f"signed in as u/{me.get('name')} ({me.get('comment_karma', 0)} comment karma)"


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


register(RedditConnector)
