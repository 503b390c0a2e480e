"""LINE Messaging API (a LINE Official Account): signed webhooks in, reply or push out.

LINE POSTs a batch of events signed with `X-Line-Signature`: the base64 HMAC-SHA256 of the raw
body keyed with the channel secret. The signature is checked over the exact bytes before any
parsing. Each event carries a `webhookEventId` that stays the same when LINE redelivers it
(`deliveryContext.isRedelivery`), so that id is the message's dedup key.

A reply can go two ways: with the event's reply token (free, but valid for a short time and once
only) or through the push API (counted against the account's monthly quota). The token is kept
by the inbox as a `ReplyHandle` and handed over with its age (metadata `reply_token`,
`reply_token_age` in seconds); `send_reply` uses it while it is fresh and pushes after, and
reports which way it went (`on_route`). A push carries `X-Line-Retry-Key`, derived from the
outbox row, so LINE drops a repeat of the same push (409) instead of sending it twice.

Webhooks name a person by userId only; their display name, picture and language come from the
profile API, fetched once per person and cached for a day.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from connectors.base import BaseConnector, Option, lower_headers
from connectors.errors import (
    ConnectorError,
    PayloadError,
    PermanentError,
    SignatureError,
    TransientError,
)
from connectors.http import Transport
from connectors.jsonbody import loads
from connectors.media import download
from connectors.registry import register
from connectors.types import (
    Attachment,
    Author,
    Delivery,
    InboundMessage,
    OutboundReply,
    Rejected,
    ReplyHandle,
)

MEDIA = {"image": "image", "video": "video", "audio": "audio", "file": "file"}
# Events that carry no message: acknowledged and not stored (see docs/regional-channels.md)
QUIET = {"follow", "unfollow", "join", "leave", "memberJoined", "memberLeft", "unsend", "postback"}
PROFILE_TTL = 24 * 3600.0
PROFILE_CACHE_SIZE = 5000
# (API and channel secret digest, userId) -> (looked up at, profile dict, empty when LINE would not say)
_profiles: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
STICKER_URL = "https://stickershop.line-scdn.net/stickershop/v1/sticker/{}/android/sticker.png"


def signature(secret: str, raw_body: bytes) -> str:
    """X-Line-Signature for `raw_body`: base64 of its HMAC-SHA256 keyed with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def _when(ms: Any) -> datetime:
    return datetime.fromtimestamp(float(ms or 0) / 1000, UTC)


def thread_of(source: Mapping[str, Any]) -> str:
    """One conversation per chat: a person (user:<id>), a group (group:<id>) or a room (room:<id>)."""
    kind = source.get("type")
    if kind == "group":
        return f"group:{source['groupId']}"
    if kind == "room":
        return f"room:{source['roomId']}"
    if kind == "user":
        return f"user:{source['userId']}"
    raise PayloadError("source.type", f"expected user, group or room, got {kind!r}")


def _content(message: Mapping[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    """The text a person reads and the files of a message object, by its type."""
    kind = message.get("type")
    if kind == "text":
        return str(message.get("text") or ""), ()
    if kind in MEDIA:
        provider = message.get("contentProvider") or {}
        url = provider.get("originalContentUrl") if provider.get("type") == "external" else None
        name = str(message.get("fileName") or "")
        size = message.get("fileSize")
        # LINE-hosted content is fetched later by id (`fetch_media`); an external one by its URL
        return "", (
            Attachment(
                kind=MEDIA[kind],
                name=name,
                size=int(size) if isinstance(size, int) else None,
                url=url,
                ref=None if url else str(message["id"]),
            ),
        )
    if kind == "sticker":
        sticker = Attachment(
            kind="sticker",
            name=f"sticker {message.get('stickerId')}",
            content_type="image/png",
            url=STICKER_URL.format(message.get("stickerId")),
        )
        return str(message.get("text") or ""), (sticker,)
    if kind == "location":
        lat, lng = message.get("latitude"), message.get("longitude")
        label = "\n".join(str(p) for p in (message.get("title"), message.get("address")) if p)
        link = Attachment(
            kind="link", name=label or f"{lat},{lng}", url=f"https://maps.google.com/?q={lat},{lng}"
        )
        return label, (link,)
    raise PayloadError("message.type", f"unknown message type {kind!r}")


def parse_event(event: Mapping[str, Any]) -> InboundMessage | None:
    """A message event as a message; the other documented events as None (nothing to store)."""
    kind = event.get("type")
    if kind != "message":
        return None
    message = event.get("message")
    if not isinstance(message, dict) or not message.get("id"):
        raise PayloadError("message.id", "required for a message event")
    source = event.get("source") or {}
    thread = thread_of(source)
    # LINE leaves userId out for some group and room members; the chat itself stands in for them
    user = str(source.get("userId") or thread.partition(":")[2])
    text, files = _content(message)
    quoted = message.get("quotedMessageId")
    return InboundMessage(
        channel="line",
        external_id=str(event.get("webhookEventId") or message["id"]),
        thread_key=thread,
        author=Author(external_id=user, handle=user),
        text=text,
        attachments=files,
        created_at=_when(event.get("timestamp")),
        public=False,
        in_reply_to=str(quoted) if quoted else None,
    )


class LineConnector(BaseConnector):
    """One LINE Official Account's Messaging API channel."""

    kind = "line"
    pushed = True
    # the platform counts any answer but 200 as a failed delivery (and may redeliver it)
    webhook_status: ClassVar[int] = 200
    # replies read the chat's reply token (metadata reply_token, reply_token_age) from the inbox
    reply_handles: ClassVar[bool] = True
    options = (
        Option("base_url", default="https://api.line.me"),
        Option("data_base_url", default="https://api-data.line.me", help="where message content is read"),
        Option("timeout", default=10.0),
        Option(
            "reply_token_seconds",
            default=50,
            help="how long after an event its reply token is used; a later reply is pushed",
        ),
        Option("channel_secret", secret=True, required=True, help="Basic settings: Channel secret"),
        Option(
            "channel_access_token",
            secret=True,
            required=True,
            help="Messaging API: Channel access token (long-lived)",
        ),
    )

    @property
    def api(self) -> Transport:
        auth = {"Authorization": f"Bearer {self.secret('channel_access_token')}"}
        return self.transport("generic", headers=auth)

    def parse_delivery(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> Delivery:
        """Check X-Line-Signature over the raw bytes, then read every event of the batch."""
        got = lower_headers(headers).get("x-line-signature", "")
        want = signature(self.secret("channel_secret"), raw_body)
        if not got or not hmac.compare_digest(got.encode(), want.encode()):
            raise SignatureError("missing or wrong X-Line-Signature")
        body = loads(raw_body)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            raise PayloadError("events", "must be an array")
        messages: list[InboundMessage] = []
        indexes: list[int] = []
        handles: list[ReplyHandle] = []
        rejected: list[Rejected] = []
        for i, event in enumerate(events):
            # one unreadable event is refused alone (listed in the receipt); the others are stored
            try:
                if not isinstance(event, dict):
                    raise PayloadError("event", "must be an object")
                msg = parse_event(event)
            except PayloadError as exc:
                rejected.append(Rejected(f"events[{i}].{exc.field}", exc.message, i))
                continue
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                why = f"unreadable event ({type(exc).__name__}: {exc})"
                rejected.append(Rejected(f"events[{i}]", why, i))
                continue
            if msg is None:
                continue
            messages.append(self._named(msg))
            indexes.append(i)
            if event.get("replyToken") and event.get("mode", "active") == "active":
                handles.append(ReplyHandle(msg.thread_key, str(event["replyToken"]), msg.created_at))
        if rejected and not messages:
            raise PayloadError(rejected[0].field, rejected[0].message)
        return Delivery(
            tuple(messages),
            tuple(f"events[{i}]." for i in indexes),
            tuple(indexes),
            tuple(rejected),
            handles=tuple(handles),
        )

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        return list(self.parse_delivery(headers, raw_body, now).messages)

    def _named(self, msg: InboundMessage) -> InboundMessage:
        profile = self.profile(msg.thread_key, msg.author.external_id)
        if not profile:
            return msg
        author = replace(
            msg.author,
            display_name=profile.get("displayName", ""),
            profile_url=profile.get("pictureUrl", ""),
        )
        return replace(msg, author=author, language_hint=profile.get("language") or msg.language_hint)

    def profile(self, thread_key: str, user_id: str) -> dict[str, str]:
        """displayName, pictureUrl and language of a person, cached for a day; {} when LINE will
        not say (a person who blocked the account, a group member who is not a friend)."""
        account = (
            self.settings["base_url"]
            + hashlib.sha256(self.secret("channel_secret").encode()).hexdigest()[:16]
        )
        key = (account, user_id)
        now = self.clock()
        hit = _profiles.get(key)
        if hit is not None and now - hit[0] < PROFILE_TTL:
            return hit[1]
        chat, _, chat_id = thread_key.partition(":")
        path = (
            f"/v2/bot/profile/{user_id}" if chat == "user" else f"/v2/bot/{chat}/{chat_id}/member/{user_id}"
        )
        try:
            data = self.api.call("GET", path).data or {}
        except ConnectorError:
            data = {}
        found = {k: str(data[k]) for k in ("displayName", "pictureUrl", "language") if data.get(k)}
        if len(_profiles) >= PROFILE_CACHE_SIZE:
            _profiles.pop(next(iter(_profiles)))
        _profiles[key] = (now, found)
        return found

    def send_reply(self, reply: OutboundReply) -> str:
        """With the reply token while it is fresh (and unused), else pushed to the chat."""
        messages = [{"type": "text", "text": reply.text}]
        token, age = reply.metadata.get("reply_token"), reply.metadata.get("reply_token_age")
        if token and age is not None and float(age) <= float(self.settings["reply_token_seconds"]):
            try:
                sent = self.api.call(
                    "POST", "/v2/bot/message/reply", json_body={"replyToken": token, "messages": messages}
                ).data
                self._route(reply, "reply token")
                return _sent_id(sent)
            except PermanentError as exc:
                if exc.status != 400:  # 400: the token expired or was used; anything else is real
                    raise
            except TransientError:
                # No answer: LINE may have delivered it. A retry would find the token used (400)
                # and push the same text again, so stop here for an agent to look.
                self._route(reply, "reply token")
                raise PermanentError(
                    "delivery unknown (LINE did not answer the reply-token call): check the chat in "
                    "LINE before retrying"
                ) from None
        to = reply.thread_key.partition(":")[2]
        retry_key = str(uuid.uuid5(uuid.NAMESPACE_URL, reply.metadata.get("outbox_id") or reply.text))
        try:
            sent = self.api.call(
                "POST",
                "/v2/bot/message/push",
                json_body={"to": to, "messages": messages},
                headers={"X-Line-Retry-Key": retry_key},
            ).data
        except PermanentError as exc:
            if exc.status != 409:
                raise
            # 409: a push with this retry key was already accepted, so this one is a repeat
            sent = exc.body if isinstance(exc.body, dict) else {}
        self._route(reply, "push API")
        return _sent_id(sent)

    @staticmethod
    def _route(reply: OutboundReply, how: str) -> None:
        if reply.on_route is not None:
            reply.on_route(how)

    def fetch_media(self, item: Attachment, max_bytes: int) -> tuple[bytes, str]:
        """LINE-hosted content by message id, with the channel's token; external content by URL."""
        if not item.ref:
            return super().fetch_media(item, max_bytes)
        url = f"{self.settings['data_base_url'].rstrip('/')}/v2/bot/message/{item.ref}/content"
        auth = {"Authorization": f"Bearer {self.secret('channel_access_token')}"}
        return download(self.http, url, max_bytes, float(self.settings["timeout"]) * 3, headers=auth)

    def quota(self) -> dict[str, Any]:
        """This month's push budget: {"limit": n or None when unlimited, "used": n}."""
        limit = self.api.call("GET", "/v2/bot/message/quota").data or {}
        used = self.api.call("GET", "/v2/bot/message/quota/consumption").data or {}
        return {
            "limit": limit.get("value") if limit.get("type") == "limited" else None,
            "used": int(used.get("totalUsage") or 0),
        }

    def test(self) -> str:
        """The bot's own name and this month's message quota."""
        info = self.api.call("GET", "/v2/bot/info").data or {}
        q = self.quota()
        budget = "unlimited" if q["limit"] is None else f"{q['used']} of {q['limit']}"
        return (
            f"LINE account {info.get('displayName')} ({info.get('basicId')}); messages this month: {budget}"
        )


def _sent_id(sent: Any) -> str:
    items = (sent or {}).get("sentMessages") if isinstance(sent, dict) else None
    return str(items[0].get("id", "")) if items else ""


register(LineConnector)
