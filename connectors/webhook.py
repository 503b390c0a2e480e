"""The generic inbound channel: any system can push signed JSON messages to Murmur.

Deliveries carry `X-Murmur-Timestamp: <unix seconds>` and
`X-Murmur-Signature: sha256=<hex HMAC-SHA256("<timestamp>.<raw body>")>` keyed with
the channel's `webhook_secret` (the Chatwoot-style scheme, reference §9). The
timestamp bounds replay to +/-300 s; dedup by external id makes retries harmless.
Replies go back, signed the same way, to `settings["reply_url"]` when one is set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import BaseConnector, Option, lower_headers
from connectors.errors import PayloadError, PermanentError, SignatureError
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.registry import register
from connectors.types import Author, Delivery, InboundMessage, OutboundReply, Rejected

TIMESTAMP_HEADER = "X-Murmur-Timestamp"
SIGNATURE_HEADER = "X-Murmur-Signature"
DELIVERY_HEADER = "X-Murmur-Delivery"
TOLERANCE_S = 300
MAX_BATCH = 1000  # messages in one delivery


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """`sha256=<hex>` over `"<timestamp>.<body>"`."""
    mac = hmac.new(secret.encode(), str(int(timestamp)).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """Headers that make `body` a valid delivery at `timestamp` (for tests, bench and the CLI)."""
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: signature(secret, body, timestamp),
    }


def verify(secret: str, headers: Mapping[str, str], raw_body: bytes, now: float) -> None:
    """Raise SignatureError unless the headers sign `raw_body` with `secret` within 300 s of `now`."""
    h = lower_headers(headers)
    ts, sig = h.get(TIMESTAMP_HEADER.lower(), ""), h.get(SIGNATURE_HEADER.lower(), "")
    if not ts or not sig:
        raise SignatureError("missing X-Murmur-Timestamp or X-Murmur-Signature")
    try:
        ts_int = int(ts)
    except ValueError:
        raise SignatureError("X-Murmur-Timestamp is not unix seconds") from None
    if abs(now - ts_int) > TOLERANCE_S:
        raise SignatureError("X-Murmur-Timestamp is more than 300 s away")
    if not hmac.compare_digest(sig.strip().encode(), signature(secret, raw_body, ts_int).encode()):
        raise SignatureError("X-Murmur-Signature does not match")


def _str(obj: Mapping[str, Any], key: str, path: str, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise PayloadError(path + key, "required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError(path + key, "must be a string")
    return str(value)


def parse_time(value: Any, field: str, default: datetime) -> datetime:
    """ISO 8601 (a trailing Z allowed) to an aware UTC datetime; naive means UTC."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise PayloadError(field, "must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(field, f"not an ISO 8601 time: {value[:40]!r}") from None
    try:
        return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is past the last representable instant
        raise PayloadError(field, "out of range") from None


def message_from_json(obj: Any, channel: str, now: float, path: str = "") -> InboundMessage:
    """One JSON message in the webhook format to an InboundMessage (shared with the demo file).

    `path` prefixes field names in errors, e.g. `messages[2].author.handle: required`.
    """
    if not isinstance(obj, dict):
        raise PayloadError(path.rstrip(".") or "body", "must be a JSON object")
    ext_id = _str(obj, "id", path, required=True)
    text = obj.get("text")
    if not isinstance(text, str):
        raise PayloadError(path + "text", "required" if text is None else "must be a string")
    author = obj.get("author")
    if not isinstance(author, dict):
        raise PayloadError(path + "author", "required" if author is None else "must be an object")
    apath = path + "author."
    followers = author.get("followers", 0)
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise PayloadError(apath + "followers", "must be a non-negative integer")
    for flag in ("verified",):
        if not isinstance(author.get(flag, False), bool):
            raise PayloadError(apath + flag, "must be true or false")
    who = Author(
        external_id=_str(author, "id", apath, required=True) or "",
        handle=_str(author, "handle", apath, required=True) or "",
        display_name=_str(author, "name", apath) or "",
        profile_url=_str(author, "profile_url", apath) or "",
        followers=followers,
        verified=bool(author.get("verified", False)),
        email=_str(author, "email", apath),
        phone=_str(author, "phone", apath),
    )
    public = obj.get("public", True)
    if not isinstance(public, bool):
        raise PayloadError(path + "public", "must be true or false")
    html = obj.get("html")
    if html is not None and not isinstance(html, str):
        raise PayloadError(path + "html", "must be a string")
    thread = _str(obj, "thread", path) or (ext_id if public else who.external_id)
    return InboundMessage(
        channel=channel,
        external_id=ext_id or "",
        thread_key=thread or "",
        author=who,
        text=text,
        created_at=parse_time(obj.get("created_at"), path + "created_at", datetime.fromtimestamp(now, UTC)),
        html=html,
        language_hint=_str(obj, "lang", path),
        public=public,
        in_reply_to=_str(obj, "in_reply_to", path),
        url=_str(obj, "url", path),
        subject=_str(obj, "subject", path),
    )


def messages_from_body(raw_body: bytes, channel: str, now: float) -> list[InboundMessage]:
    """A single object, a JSON array, or `{"messages": [...]}` to messages; the first bad item fails all."""
    delivery = delivery_from_body(raw_body, channel, now)
    if delivery.rejected:
        first = delivery.rejected[0]
        raise PayloadError(first.field, first.message)
    return list(delivery.messages)


def delivery_from_body(raw_body: bytes, channel: str, now: float) -> Delivery:
    """A single object, a JSON array, or `{"messages": [...]}` to a Delivery.

    In a batch each item stands alone: a malformed one is listed in `rejected` with its reason and
    the others are kept, so a sender that retries the batch is never stuck on one bad message.
    A body that is not a batch of messages at all raises PayloadError.
    """
    body = loads(raw_body)
    if isinstance(body, dict) and "messages" in body:
        items, prefix = body["messages"], "messages"
        if not isinstance(items, list):
            raise PayloadError("messages", "must be an array")
    elif isinstance(body, list):
        items, prefix = body, ""
    else:
        return Delivery((message_from_json(body, channel, now),), ("",), (None,))
    if not items:
        raise PayloadError(prefix or "body", "no messages")
    if len(items) > MAX_BATCH:
        raise PayloadError(prefix or "body", f"at most {MAX_BATCH} messages in one delivery")
    messages, paths, indexes, rejected = [], [], [], []
    for i, item in enumerate(items):
        path = f"{prefix}[{i}]."
        try:
            messages.append(message_from_json(item, channel, now, path))
        except PayloadError as exc:
            rejected.append(Rejected(exc.field, exc.message, i))
            continue
        paths.append(path)
        indexes.append(i)
    return Delivery(tuple(messages), tuple(paths), tuple(indexes), tuple(rejected))


class WebhookConnector(BaseConnector):
    """Pushed JSON messages, verified by HMAC; replies POSTed back to `reply_url`."""

    kind = "webhook"
    pushed = True
    options = (
        Option("webhook_secret", secret=True, required=True, help="HMAC key shared with the sender"),
        Option("reply_url", help="where agent replies are POSTed, signed the same way"),
        Option("timeout", default=5.0, help="seconds for reply delivery"),
    )

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """Verify the signature first, then parse; nothing is parsed from an unsigned body."""
        now = self.clock() if now is None else now
        verify(self.secret("webhook_secret"), headers, raw_body, now)
        return messages_from_body(raw_body, self.kind, now)

    def parse_delivery(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> Delivery:
        """As `parse_webhook`, but a bad item of a batch is refused alone (listed in `rejected`)."""
        now = self.clock() if now is None else now
        verify(self.secret("webhook_secret"), headers, raw_body, now)
        return delivery_from_body(raw_body, self.kind, now)

    def send_reply(self, reply: OutboundReply) -> str:
        """POST the reply as signed JSON; the receiver's `id` if it answers one, else our delivery id."""
        url = self.settings.get("reply_url")
        if not url:
            raise PermanentError("settings.reply_url is not set, so replies cannot be delivered")
        delivery = reply.metadata.get("outbox_id") or uuid.uuid4().hex
        payload = {
            "delivery_id": delivery,
            "thread": reply.thread_key,
            "in_reply_to": reply.in_reply_to,
            "text": reply.text,
            "public": reply.public,
            "recipient": {"id": reply.recipient.external_id, "handle": reply.recipient.handle}
            if reply.recipient
            else None,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {**sign(self.secret("webhook_secret"), body, int(self.clock())), DELIVERY_HEADER: delivery}
        transport = Transport(self.http, url, clock=self.clock, timeout=float(self.settings["timeout"]))
        res = transport.call("POST", url, content=body, headers=headers, expect_json=False)
        try:
            answered = json.loads(res.content) if res.content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            answered = None  # a receiver that answers plain text still accepted the reply
        return str(answered.get("id")) if isinstance(answered, dict) and answered.get("id") else delivery

    def test(self) -> str:
        """No outbound call exists to test a push channel; report what is configured."""
        reply = self.settings.get("reply_url") or "not set (replies cannot be delivered)"
        return f"webhook channel ready: signature secret set, timestamps within {TOLERANCE_S} s; reply_url {reply}"


register(WebhookConnector)
