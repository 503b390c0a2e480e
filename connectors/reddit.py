"""Reddit: the inbox listing (comment replies, username mentions, private messages) swept with `after`.

`after` pages only older, so a poll walks from the top to the high-water mark
(`connectors.cursor.sweep`, keyed on `created_utc`), deduping on the fullname.
Reddit's `x-ratelimit-reset` is *seconds from now*, not an epoch (handled in
`connectors.http`). A descriptive User-Agent is mandatory; generic ones are throttled.
Action errors arrive with HTTP 200 inside `json.errors`; RATELIMIT among them is a 429.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors import cursor as cur
from connectors.base import BaseConnector, Option
from connectors.errors import PermanentError, RateLimited
from connectors.http import Transport
from connectors.media import reddit_attachments
from connectors.registry import register
from connectors.types import Author, Batch, InboundMessage, OutboundReply


def parse_item(child: dict[str, Any]) -> InboundMessage:
    """A t1 (comment/mention) or t4 (private message) listing child to a message."""
    d = child["data"]
    private = child.get("kind") == "t4"
    author = d.get("author") or "[deleted]"
    thread = (
        f"pm:{d.get('first_message_name') or d['name']}"
        if private
        else (d.get("link_id") or d.get("parent_id") or d["name"])
    )
    context = d.get("context")
    return InboundMessage(
        channel="reddit",
        external_id=d["name"],
        thread_key=thread,
        author=Author(
            external_id=d.get("author_fullname") or author,
            handle=author,
            profile_url=f"https://www.reddit.com/user/{author}",
        ),
        text=d.get("body", ""),
        created_at=datetime.fromtimestamp(float(d.get("created_utc") or 0), UTC),
        html=d.get("body_html"),
        public=not private,
        in_reply_to=d.get("parent_id"),
        url=f"https://www.reddit.com{context}" if context else None,
        attachments=reddit_attachments(d),
    )


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
        """One page of the sweep, newest first, down to the high-water mark."""
        state = cur.load(cursor)
        params: dict[str, Any] = {"limit": int(self.settings["page_size"]), "raw_json": 1}
        if state.get("page"):
            params["after"] = state["page"]
        res = self.api.call("GET", f"/message/{self.settings['listing']}", params=params)
        data = (res.data or {}).get("data") or {}
        children = data.get("children", [])
        items = [cur.Item(float(c["data"].get("created_utc") or 0), c["data"]["name"]) for c in children]
        fresh, nxt, more = cur.sweep(state, items, data.get("after"))
        keep = set(fresh)
        messages = tuple(parse_item(c) for c in reversed(children) if c["data"]["name"] in keep)
        return Batch(messages, cur.dump(nxt) if nxt else cursor, res.rate_limit, has_more=more)

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
