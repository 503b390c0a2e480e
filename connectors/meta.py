"""Facebook Pages, Messenger and Instagram through Graph API webhooks; replies through the Graph API.

Inbound is push only: Meta POSTs batched events signed with
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`. The HMAC must
be computed over the exact bytes received (Meta escapes non-ASCII as \\uXXXX, so a
re-serialized body would not match). Subscription starts with a GET handshake:
`verify_subscription(params)` returns the challenge to echo, or raises.
Throttling comes back as Graph error codes 4/17/32/613 (and 80001+ for business
use cases), not always as HTTP 429; those become RateLimited. [reference: unverified
list; kept conservative]
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import BaseConnector, Option, lower_headers
from connectors.errors import PayloadError, PermanentError, RateLimited, SignatureError
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.registry import register
from connectors.types import Author, InboundMessage, OutboundReply

THROTTLE_CODES = {4, 17, 32, 613}


def _when(value: Any) -> datetime:
    ts = float(value or 0)
    return datetime.fromtimestamp(ts / 1000 if ts > 1e11 else ts, UTC)  # messaging uses ms, feed uses s


def _messaging(obj: str, ev: dict[str, Any]) -> InboundMessage | None:
    msg = ev.get("message")
    if not isinstance(msg, dict) or msg.get("is_echo") or "mid" not in msg:
        return None  # echoes of our own sends, deliveries, reads
    sender = str((ev.get("sender") or {}).get("id", ""))
    channel = "instagram" if obj == "instagram" else "messenger"
    return InboundMessage(
        channel=channel,
        external_id=msg["mid"],
        thread_key=f"dm:{sender}",
        author=Author(external_id=sender, handle=sender),
        text=msg.get("text") or " ".join(a.get("type", "") for a in msg.get("attachments", [])),
        created_at=_when(ev.get("timestamp")),
        public=False,
        in_reply_to=(msg.get("reply_to") or {}).get("mid"),
    )


def _change(obj: str, ch: dict[str, Any], entry_time: Any) -> InboundMessage | None:
    v = ch.get("value") or {}
    if obj == "page" and ch.get("field") == "feed" and v.get("item") == "comment" and v.get("verb") == "add":
        who = v.get("from") or {}
        return InboundMessage(
            channel="facebook",
            external_id=str(v["comment_id"]),
            thread_key=str(v.get("post_id")),
            author=Author(
                external_id=str(who.get("id", "")),
                handle=who.get("name", ""),
                display_name=who.get("name", ""),
            ),
            text=v.get("message", ""),
            created_at=_when(v.get("created_time") or entry_time),
            in_reply_to=v.get("parent_id") if v.get("parent_id") != v.get("post_id") else None,
            url=(v.get("post") or {}).get("permalink_url"),
        )
    if obj == "instagram" and ch.get("field") == "comments" and "id" in v:
        who = v.get("from") or {}
        return InboundMessage(
            channel="instagram",
            external_id=str(v["id"]),
            thread_key=str((v.get("media") or {}).get("id", v["id"])),
            author=Author(
                external_id=str(who.get("id", "")),
                handle=who.get("username", ""),
                profile_url=f"https://instagram.com/{who['username']}" if who.get("username") else "",
            ),
            text=v.get("text", ""),
            created_at=_when(entry_time),
            in_reply_to=v.get("parent_id"),
        )
    return None


def parse_events(body: dict[str, Any]) -> list[InboundMessage]:
    """Every message in a (batched) delivery: all entries, all messaging[] and changes[]."""
    obj = body.get("object")
    if obj not in ("page", "instagram"):
        raise PayloadError("object", f"expected page or instagram, got {obj!r}")
    out: list[InboundMessage] = []
    for entry in body.get("entry") or []:
        out += [m for m in (_messaging(obj, ev) for ev in entry.get("messaging") or []) if m]
        out += [m for m in (_change(obj, ch, entry.get("time")) for ch in entry.get("changes") or []) if m]
    return out


class MetaConnector(BaseConnector):
    """One Facebook Page (and its linked Instagram account)."""

    kind = "meta"
    pushed = True
    options = (
        Option("base_url", default="https://graph.facebook.com"),
        Option("api_version", default="v21.0"),
        Option("page_id", required=True),
        Option("ig_user_id", help="the linked Instagram professional account"),
        Option("timeout", default=10.0),
        Option("app_secret", secret=True, required=True),
        Option(
            "verify_token", secret=True, required=True, help="chosen by you, typed into the app dashboard"
        ),
        Option("page_access_token", secret=True, required=True),
    )

    def verify_subscription(self, params: Mapping[str, str]) -> str:
        """The GET handshake: the challenge to echo as text/plain, or SignatureError (answer 403)."""
        token = str(params.get("hub.verify_token", ""))
        if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), self.secret("verify_token").encode()
        ):
            raise SignatureError("subscription verification failed")
        return str(params.get("hub.challenge", ""))

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """Verify X-Hub-Signature-256 over the raw bytes, then unpack the batch."""
        got = lower_headers(headers).get("x-hub-signature-256", "")
        want = "sha256=" + hmac.new(self.secret("app_secret").encode(), raw_body, hashlib.sha256).hexdigest()
        if not got or not hmac.compare_digest(got.encode(), want.encode()):
            raise SignatureError("missing or wrong X-Hub-Signature-256")
        body = loads(raw_body)  # nesting-limited: a PayloadError, never a RecursionError
        return parse_events(body)

    @property
    def api(self) -> Transport:
        base = f"{self.settings['base_url'].rstrip('/')}/{self.settings['api_version']}"
        return self.transport("generic", base=base)

    def _graph(self, method: str, path: str, **kw: Any) -> Any:
        params = {"access_token": self.secret("page_access_token")}
        try:
            return self.api.call(method, path, params=params, **kw).data
        except PermanentError as exc:
            err = exc.body.get("error") if isinstance(exc.body, dict) else None
            code = err.get("code") if isinstance(err, dict) else None
            if code in THROTTLE_CODES or (code or 0) >= 80001:
                reset = datetime.fromtimestamp(self.clock(), UTC) + timedelta(minutes=5)
                raise RateLimited(reset, f"graph throttled (code {code})") from None
            raise

    def send_reply(self, reply: OutboundReply) -> str:
        """DMs via the Send API; comments as comment replies (FB /comments, IG /replies)."""
        chan = reply.metadata.get("channel") or reply.channel
        if not reply.public:
            recipient = reply.thread_key.removeprefix("dm:")
            sender = self.settings.get("ig_user_id") if chan == "instagram" else self.settings["page_id"]
            body = {
                "recipient": {"id": recipient},
                "messaging_type": "RESPONSE",
                "message": {"text": reply.text},
            }
            return str(self._graph("POST", f"/{sender}/messages", json_body=body)["message_id"])
        if not reply.in_reply_to:
            raise PermanentError("a comment reply needs in_reply_to (the comment id)")
        edge = "replies" if chan == "instagram" else "comments"
        return str(self._graph("POST", f"/{reply.in_reply_to}/{edge}", data={"message": reply.text})["id"])

    def test(self) -> str:
        """GET /me with the page token names the page."""
        me = self._graph("GET", "/me")
        return f"page {me.get('name')} ({me.get('id')})"


register(MetaConnector)
