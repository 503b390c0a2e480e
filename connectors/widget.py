"""The chat widget on the brand's own website: visitors write to Murmur from a bubble on the page.

Unlike the networks, nothing leaves Murmur: the visitor's browser talks to Murmur directly (an
iframe served by Murmur, so its own strict CSP applies and `frame-ancestors` refuses every origin
the admin did not allow). This leaf holds what is pure about it:

- which origins may embed the widget (`allowed_origins`), normalized as browsers send them;
- identity verification, as Intercom and Chatwoot do it: the brand's server computes
  `HMAC-SHA256(identity_secret, user_id)` and the page passes it with the user id, so a verified
  visitor's conversations join that customer's history and nobody can claim another user's id;
- visitor tokens: a visitor is a random id signed by Murmur, so guessing another visitor's id
  (or a conversation id) opens nothing;
- office hours in the widget's time zone, so the widget can say it is away and ask for an e-mail;
- one visitor message to the normalized InboundMessage of every channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import BaseConnector, Option
from connectors.errors import PayloadError, SignatureError
from connectors.registry import register
from connectors.types import Author, InboundMessage, OutboundReply

MAX_TEXT = 5000  # characters in one visitor message
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("en", "zh-Hant", "zh-Hans", "th")
PRECHAT = ("none", "email", "name_email")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_VISITOR = re.compile(r"^(v|u):[A-Za-z0-9_.@+-]{1,120}$")


def normalize_origin(value: str) -> str:
    """`https://Shop.Example.com:443/path` -> `https://shop.example.com`, as a browser's Origin reads."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PayloadError("settings.allowed_origins", f"not an http(s) origin: {value[:80]!r}")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def parse_origins(value: Any) -> tuple[str, ...]:
    """A list or a comma/space separated string of origins, normalized; at least one."""
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items or not all(isinstance(i, str) for i in items):
        raise PayloadError(
            "settings.allowed_origins", "list the origins (https://shop.example) that may embed it"
        )
    return tuple(dict.fromkeys(normalize_origin(i) for i in items))


def origin_allowed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    if not origin:
        return False
    try:
        return normalize_origin(origin) in allowed
    except PayloadError:
        return False


def identity_hash(secret: str, user_id: str) -> str:
    """What the brand's server computes for a signed-in user: hex HMAC-SHA256 of the user id."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def check_identity(secret: str, user_id: str, given: str) -> None:
    if not hmac.compare_digest(identity_hash(secret, user_id).encode(), given.strip().lower().encode()):
        raise SignatureError("user_hash does not match user_id")


def new_visitor_id() -> str:
    return "v:" + _secrets.token_urlsafe(18)


def visitor_token(key: str, channel_id: int, visitor_id: str) -> str:
    """A visitor's bearer token: their id and Murmur's HMAC of it for this channel."""
    mac = hmac.new(key.encode(), f"widget:{channel_id}:{visitor_id}".encode(), hashlib.sha256).hexdigest()
    return f"{visitor_id}.{mac[:40]}"


def visitor_of(key: str, channel_id: int, token: str | None) -> str:
    """The visitor id a token names; SignatureError for a missing, malformed or forged token."""
    if not token or "." not in token:
        raise SignatureError("visitor token missing")
    visitor_id = token.rsplit(".", 1)[0]
    if not _VISITOR.match(visitor_id) or not hmac.compare_digest(
        visitor_token(key, channel_id, visitor_id).encode(), token.encode()
    ):
        raise SignatureError("visitor token is not valid for this widget")
    return visitor_id


@dataclass(frozen=True)
class Hours:
    """Office hours: weekday -> (open "HH:MM", close "HH:MM") in `timezone`; no entry: closed all day."""

    timezone: str
    days: Mapping[str, tuple[str, str]]

    def open_at(self, when: datetime) -> bool:
        local = when.astimezone(ZoneInfo(self.timezone))
        span = self.days.get(DAYS[local.weekday()])
        return bool(span) and span[0] <= local.strftime("%H:%M") < span[1]


def parse_hours(value: Any) -> Hours | None:
    """`{"timezone": "Asia/Bangkok", "days": {"mon": ["09:00", "18:00"], ...}}`; None: always open."""
    if value in (None, "", {}):
        return None
    if isinstance(value, str):  # typed into the channel form as JSON
        try:
            value = json.loads(value)
        except ValueError:
            raise PayloadError("settings.hours", "not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("days"), dict):
        raise PayloadError(
            "settings.hours", 'expected {"timezone": ..., "days": {"mon": ["09:00", "18:00"]}}'
        )
    tz = value.get("timezone") or "UTC"
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise PayloadError("settings.hours.timezone", f"unknown time zone {str(tz)[:60]!r}") from None
    days: dict[str, tuple[str, str]] = {}
    for day, span in value["days"].items():
        if day not in DAYS:
            raise PayloadError("settings.hours.days", f"unknown day {str(day)[:10]!r}; use {', '.join(DAYS)}")
        if not (isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(x, str) for x in span)):
            raise PayloadError(f"settings.hours.days.{day}", 'expected ["09:00", "18:00"]')
        if not all(_HHMM.match(x) for x in span) or span[0] >= span[1]:
            raise PayloadError(f"settings.hours.days.{day}", "expected opening before closing, as HH:MM")
        days[day] = (span[0], span[1])
    return Hours(str(tz), days)


def clean_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PayloadError("text", "required")
    if len(value) > MAX_TEXT:
        raise PayloadError("text", f"at most {MAX_TEXT} characters")
    return value.strip()


def visitor_message(
    visitor_id: str,
    client_id: Any,
    text: Any,
    now: float,
    name: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> InboundMessage:
    """One message from the widget: `client_id` (the browser's id for it) makes resending harmless."""
    if not isinstance(client_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", client_id):
        raise PayloadError("client_id", "8 to 64 letters, digits, - or _")
    body = clean_text(text)
    handle = (name or "").strip()[:80] or "Visitor"
    return InboundMessage(
        channel="widget",
        external_id=f"{visitor_id}/{client_id}",
        thread_key=visitor_id,
        author=Author(
            external_id=visitor_id,
            handle=handle,
            display_name=handle,
            email=(email or "").strip()[:254] or None,
        ),
        text=body,
        created_at=datetime.fromtimestamp(now, UTC),
        language_hint=language if language in LANGUAGES else None,
        public=False,
    )


class WidgetConnector(BaseConnector):
    """The website chat: pushed by visitors' browsers through Murmur's own widget endpoints."""

    kind = "widget"
    pushed = True
    idempotent_replies = True  # a reply is read from Murmur itself: sending it again cannot double it
    options = (
        Option(
            "allowed_origins",
            required=True,
            help="origins that may show the widget, e.g. https://shop.example",
        ),
        Option("identity_secret", secret=True, help="HMAC key your server signs signed-in users' ids with"),
        Option("display_name", default="Support", help="the name visitors see on every reply"),
        Option("colour", default="#2563eb", help="the bubble's colour (#rrggbb)"),
        Option(
            "prechat", default="name_email", help="what the pre-chat form asks: none, email or name_email"
        ),
        Option(
            "greeting", default="", help="the first line visitors read (their language's default when empty)"
        ),
        Option(
            "hours", help='office hours {"timezone": "Asia/Bangkok", "days": {"mon": ["09:00", "18:00"]}}'
        ),
    )

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, Any], http: Any = None, **kw: Any):
        super().__init__(settings, secrets, http, **kw)
        self.origins = parse_origins(self.settings.get("allowed_origins"))
        if not _COLOUR.match(str(self.settings.get("colour"))):
            raise PayloadError("settings.colour", "a colour as #rrggbb")
        if self.settings.get("prechat") not in PRECHAT:
            raise PayloadError("settings.prechat", f"one of {', '.join(PRECHAT)}")
        self.hours = parse_hours(self.settings.get("hours"))

    def open_now(self) -> bool:
        return self.hours is None or self.hours.open_at(datetime.fromtimestamp(self.clock(), UTC))

    def public_config(self) -> dict[str, Any]:
        """What the visitor's widget may know: never the secret, the agents or other visitors."""
        return {
            "display_name": str(self.settings.get("display_name") or "Support")[:60],
            "colour": self.settings["colour"],
            "prechat": self.settings["prechat"],
            "greeting": str(self.settings.get("greeting") or "")[:300],
            "open": self.open_now(),
            "verification": bool(self._secrets.get("identity_secret")),
        }

    def send_reply(self, reply: OutboundReply) -> str:
        """The visitor reads replies from Murmur (live, or on their next visit): nothing to send."""
        return f"widget:{reply.metadata.get('outbox_id') or reply.thread_key}"

    def test(self) -> str:
        return f"widget ready for {', '.join(self.origins)}; {'open now' if self.open_now() else 'outside office hours'}"


register(WidgetConnector)
