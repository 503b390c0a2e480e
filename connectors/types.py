"""The normalized shapes every connector speaks.

Adapters turn each network's payloads into these values and nothing else crosses
the boundary into the inbox, so the pipeline never learns a network's quirks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Author:
    """Who wrote a message, as the network describes them (one identity on one network)."""

    external_id: str
    handle: str
    display_name: str = ""
    profile_url: str = ""
    followers: int = 0
    verified: bool = False
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file, image, video, sticker or link that came with a message (or goes with a reply).

    Networks give a URL (`url`, absolute or a path on the channel's API) or a file handle
    (`ref`, Telegram's `file_id`) that the inbox fetches later; e-mail gives the bytes (`data`).
    """

    kind: str  # image | video | audio | file | sticker | link
    name: str = ""
    content_type: str = ""
    size: int | None = None
    url: str | None = None
    ref: str | None = None
    data: bytes | None = field(default=None, repr=False)
    content_id: str | None = None  # an e-mail part's Content-ID, referenced as cid: in the HTML
    inline: bool = False


@dataclass(frozen=True)
class InboundMessage:
    """A mention, comment or direct message, normalized.

    `external_id` is the network's id and the dedup key together with the channel
    account; `thread_key` groups messages into one conversation.
    """

    channel: str
    external_id: str
    thread_key: str
    author: Author
    text: str
    created_at: datetime
    html: str | None = None
    language_hint: str | None = None
    public: bool = True
    in_reply_to: str | None = None
    url: str | None = None
    # email subject or feed entry title; replies reuse it ("Re: ...")
    subject: str | None = None
    # the network's thread references, oldest first (email References), for threaded replies
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """One item of a pushed batch that was not taken, and why; the rest of the batch is stored."""

    field: str  # where in the delivery, e.g. "messages[2].author.handle"
    message: str
    index: int | None = None  # the item's position in the batch; None for a delivery of one message


@dataclass(frozen=True)
class DeliveryStatus:
    """What the network says became of a reply we sent (WhatsApp's `statuses`): sent, delivered,
    read or failed (with the network's reason), keyed by the id the network gave the reply."""

    external_id: str
    state: str  # sent | delivered | read | failed
    at: datetime
    error: str | None = None


@dataclass(frozen=True)
class ReplyHandle:
    """A short-lived right to answer a conversation for free (LINE's reply token), kept until used
    or expired; the reply sent after that goes another way (LINE: the push API)."""

    thread_key: str
    token: str
    at: datetime


@dataclass(frozen=True)
class Delivery:
    """A verified pushed delivery: the messages it carried and the items refused.

    `paths[i]` is where message i sits in the body (e.g. "messages[2]."), so a check made later
    can still name the field; `indexes[i]` is its position in the batch (None for one message).
    """

    messages: tuple[InboundMessage, ...]
    paths: tuple[str, ...]
    indexes: tuple[int | None, ...]
    rejected: tuple[Rejected, ...] = ()
    # delivery reports for replies, and reply handles, that came in the same delivery
    statuses: tuple[DeliveryStatus, ...] = ()
    handles: tuple[ReplyHandle, ...] = ()

    @classmethod
    def of(cls, messages: list[InboundMessage] | tuple[InboundMessage, ...]) -> Delivery:
        """A delivery whose messages were all taken (connectors that refuse a batch whole)."""
        if len(messages) == 1:
            return cls(tuple(messages), ("",), (None,))
        return cls(
            tuple(messages), tuple(f"[{i}]." for i in range(len(messages))), tuple(range(len(messages)))
        )


@dataclass(frozen=True)
class RateLimit:
    """What the network said about our remaining budget; `reset_at` is UTC."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None


@dataclass(frozen=True)
class Batch:
    """One poll's result. `next_cursor` is saved only after `messages` are committed."""

    messages: tuple[InboundMessage, ...]
    next_cursor: str | None
    rate_limit: RateLimit | None = None
    # False when the connector knows no further page is waiting (saves a call);
    # None means "unknown": the poller asks again until the cursor stops moving.
    has_more: bool | None = None
    # items the network sent that could not be stored faithfully (no author, no date...), each
    # as "<id>: <reason>"; the cursor moves past them and the channel's health lists them
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboundReply:
    """An agent's reply on its way back to the network it came from."""

    channel: str
    thread_key: str
    text: str
    in_reply_to: str | None = None
    public: bool = True
    recipient: Author | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()  # with their bytes
    # A reply the network takes in several calls (Telegram: one per file) reports each part it
    # delivered to `on_part` at once, and skips the first `len(parts_sent)` parts when it is
    # sent again, so a retry after a failure half way never repeats a file.
    parts_sent: tuple[str, ...] = ()
    on_part: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    # How the network took the reply when it has several ways ("reply token", "push API"): the
    # connector reports its choice here, and the outbox keeps it on the delivery record.
    on_route: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
