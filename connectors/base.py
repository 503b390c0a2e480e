"""The contract every channel adapter keeps, and a small base class to keep it with.

A connector is constructed as `Cls(settings, secrets, http=None)`: `settings` is what
an admin may see (base_url, account ids, batch size), `secrets` is what must never be
shown or logged (tokens, passwords, webhook secrets). Adapters know nothing of the
database; the poller and the inbox own cursors, locks and storage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx

from connectors.errors import PayloadError, PermanentError, Unsupported
from connectors.http import Transport
from connectors.media import download
from connectors.types import Attachment, Batch, Delivery, InboundMessage, OutboundReply


@runtime_checkable
class Connector(Protocol):
    """What the inbox may call on any channel.

    Pulled channels implement `poll`; pushed channels implement `parse_webhook`;
    most implement `send_reply`. The others raise `Unsupported`.
    """

    kind: str

    def poll(self, cursor: str | None) -> Batch:
        """Fetch one page of new messages after `cursor`; `Batch.next_cursor` is saved only
        after the messages are committed. `next_cursor is None` or equal to `cursor`
        means nothing more right now."""
        ...

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        """Verify and parse one pushed delivery (raises SignatureError / PayloadError)."""
        ...

    def send_reply(self, reply: OutboundReply) -> str:
        """Deliver an agent's reply; returns the network's id for it."""
        ...

    def test(self) -> str:
        """Make one real call and describe what was found, for the admin's 'Test' button."""
        ...


DAY = 86400.0
MAX_BACKFILL_DAYS = 365


@dataclass(frozen=True)
class Option:
    """One setting or secret a channel kind accepts, so UIs and the CLI can list them."""

    name: str
    secret: bool = False
    required: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class ReplyFiles:
    """What a network lets one reply carry, as its API documents it: the accepted content types,
    each with its own size limit (first matching pattern wins), and how many files at most.
    `carries` completes "<network> replies carry ..." in the refusal an agent reads."""

    limits: tuple[tuple[str, int], ...]
    max_files: int
    carries: str

    def refusal(self, network: str, content_type: str, size: int, count: int) -> str | None:
        """Why this file cannot go with the reply (None when it can); `count` counts it too."""
        ctype = (content_type or "application/octet-stream").split(";", 1)[0].strip().lower()
        limit = next((n for pattern, n in self.limits if fnmatch(ctype, pattern)), None)
        if limit is None:
            return f"{network} replies carry {self.carries}; not {ctype}"
        if size > limit:
            return f"{network} takes {ctype} files of at most {limit} bytes; this one has {size}"
        if count > self.max_files:
            return f"{network} replies carry at most {self.max_files} files"
        return None


MiB = 1024 * 1024

BACKFILL = Option(
    "backfill_days",
    default=7,
    help="how far back the first poll reaches, in days (0: only what arrives from now on)",
)


class BaseConnector:
    """Shared plumbing: option validation, a lazily built httpx client and a clock.

    Subclasses set `kind`, `pulled` / `pushed` and `options`, and override what they
    support. The clock is injectable so tests and the poller never sleep for real.
    """

    kind: ClassVar[str] = ""
    pulled: ClassVar[bool] = False
    pushed: ClassVar[bool] = False
    # True when send_reply passes metadata["outbox_id"] as a key the network de-duplicates by,
    # so resending after a crash mid-send cannot double a reply
    idempotent_replies: ClassVar[bool] = False
    options: ClassVar[tuple[Option, ...]] = ()
    # whether `send_reply` delivers `OutboundReply.attachments` (agents may attach files)
    sends_attachments: ClassVar[bool] = False
    # what those files may be (None: any file the inbox accepts)
    reply_files: ClassVar[ReplyFiles | None] = None

    def __init__(
        self,
        settings: Mapping[str, Any],
        secrets: Mapping[str, Any],
        http: httpx.Client | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings: dict[str, Any] = dict(settings or {})
        self._secrets: dict[str, Any] = dict(secrets or {})
        self._http = http
        self.clock: Callable[[], float] = clock or time.time
        for opt in self.options:
            bag = self._secrets if opt.secret else self.settings
            if opt.required and bag.get(opt.name) in (None, ""):
                where = "secrets" if opt.secret else "settings"
                raise PayloadError(f"{where}.{opt.name}", "required")
            if not opt.secret and opt.default is not None:
                self.settings.setdefault(opt.name, opt.default)
        if any(opt.name == BACKFILL.name for opt in self.options):
            self._check_backfill()

    @classmethod
    def reply_file_refusal(
        cls, channel: str, public: bool, content_type: str, size: int, count: int
    ) -> str | None:
        """Why a file of this type and size cannot go with a reply in a conversation of
        `channel` (public or private), the `count`-th of the reply; None when it can. Checked
        when the agent uploads it, so the refusal is a 400 at once, not a failed delivery."""
        if not cls.sends_attachments:
            return f"{cls.kind} replies cannot carry files"
        if cls.reply_files is None:
            return None
        return cls.reply_files.refusal(cls.kind.capitalize(), content_type, size, count)

    def __repr__(self) -> str:  # never show secrets, even in tracebacks
        return f"<{type(self).__name__} kind={self.kind!r} settings={self.settings!r}>"

    def _check_backfill(self) -> None:
        value = self.settings.get(BACKFILL.name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_BACKFILL_DAYS
        ):
            raise PayloadError(
                f"settings.{BACKFILL.name}", f"must be a number of days from 0 to {MAX_BACKFILL_DAYS}"
            )

    def backfill_horizon(self) -> float:
        """Epoch seconds the first poll reaches back to: `backfill_days` before now (now itself for 0).

        Adapters page back until their items are older than this, so a freshly connected
        account brings in what it was sent recently instead of only the newest page."""
        return self.clock() - float(self.settings.get(BACKFILL.name, BACKFILL.default)) * DAY

    def secret(self, name: str) -> str:
        """A secret by name; a missing one is a configuration error naming the field."""
        value = self._secrets.get(name)
        if value in (None, ""):
            raise PayloadError(f"secrets.{name}", "required")
        return str(value)

    @property
    def http(self) -> httpx.Client:
        """The shared client if one was given, else one of our own with the channel's timeout."""
        if self._http is None:
            timeout = float(self.settings.get("timeout", 10.0))
            self._http = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True)
        return self._http

    def transport(
        self, dialect: str, headers: Mapping[str, str] | None = None, base: str | None = None
    ) -> Transport:
        """A Transport on this channel's client, clock and timeout (`base` defaults to settings.base_url)."""
        return Transport(
            self.http,
            base if base is not None else self.settings["base_url"],
            dialect,
            dict(headers or {}),
            self.clock,
            float(self.settings.get("timeout", 10.0)),
        )

    def poll(self, cursor: str | None) -> Batch:
        raise Unsupported(f"{self.kind} channels are pushed, not polled")

    def parse_webhook(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> list[InboundMessage]:
        raise Unsupported(f"{self.kind} channels are polled, not pushed")

    def parse_delivery(
        self, headers: Mapping[str, str], raw_body: bytes, now: float | None = None
    ) -> Delivery:
        """Verify and parse one pushed delivery, keeping each message's place in it. Kinds whose
        batches can hold a bad item next to good ones override this to refuse only that item."""
        return Delivery.of(self.parse_webhook(headers, raw_body, now))

    def send_reply(self, reply: OutboundReply) -> str:
        raise Unsupported(f"{self.kind} channels cannot send replies")

    def test(self) -> str:
        raise Unsupported(f"{self.kind} channels have no test call")

    def fetch_media(self, item: Attachment, max_bytes: int) -> tuple[bytes, str]:
        """The bytes of a received attachment and their served content type, at most `max_bytes`
        (`TooLarge` past it). A path (Bluesky's getBlob) is joined to the channel's base_url."""
        if not item.url:
            raise PermanentError(f"{self.kind}: the attachment has no address to fetch")
        url = item.url
        if not url.startswith(("http://", "https://")):
            url = f"{str(self.settings.get('base_url', '')).rstrip('/')}/{url.lstrip('/')}"
        return download(self.http, url, max_bytes, float(self.settings.get("timeout", 10.0)) * 3)


def parse_each(
    items: Iterable[Any], parse: Callable[[Any], InboundMessage | None], ident: Callable[[Any], str]
) -> tuple[list[InboundMessage], list[str]]:
    """Parse each listed item; one the adapter cannot read becomes a rejected entry
    ("<id>: <why>") for the channel's health instead of failing the whole page."""
    messages: list[InboundMessage] = []
    rejected: list[str] = []
    for item in items:
        try:
            msg = parse(item)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            try:
                who = ident(item)
            except Exception:
                who = "?"
            rejected.append(f"{who}: unreadable item ({type(exc).__name__}: {exc})")
            continue
        if msg is not None:
            messages.append(msg)
    return messages, rejected


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive; dicts are not, so normalise once."""
    return {str(k).lower(): str(v) for k, v in headers.items()}
