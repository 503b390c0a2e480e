"""What a channel can do for an agent, in words: whether a reply typed in Murmur can reach the customer.

An RSS feed or a review site is read-only, and a webhook channel without `settings.reply_url` has
nowhere to send a reply. The inbox shows the reason instead of a reply box. The reply service
refuses a reply on a kind that can never send one (a 400 naming `private`, so nothing waits in the
outbox that cannot leave); a webhook reply without a URL is still queued, as scripts did before, and
its outbox row fails with the reason until an admin sets the URL.
"""

from __future__ import annotations

from connectors import registry
from connectors.base import BaseConnector
from connectors.errors import PayloadError
from inbox.store.models import ChannelAccount

READ_ONLY = {
    "rss": "RSS feeds cannot be answered from Murmur: reply on the site the item links to. "
    "Private notes still work.",
}


def sends_replies(kind: str) -> bool:
    """True when the kind's connector implements sending a reply at all."""
    try:
        cls = registry.get(kind)
    except PayloadError:
        return False
    return cls.send_reply is not BaseConnector.send_reply


def never_replies(ch: ChannelAccount | None) -> str | None:
    """Why this channel's kind can never send a reply, or None when it can."""
    if ch is None:
        return None
    if ch.kind in READ_ONLY:
        return READ_ONLY[ch.kind]
    if not sends_replies(ch.kind):
        return f"{ch.kind} channels cannot be answered from Murmur. Private notes still work."
    return None


def reply_blocked(ch: ChannelAccount | None) -> str | None:
    """Why replies on this channel cannot be delivered (kind or set-up), or None when they can."""
    never = never_replies(ch)
    if never or ch is None:
        return never
    if ch.kind == "webhook" and not (ch.settings or {}).get("reply_url"):
        return (
            f"The webhook channel “{ch.name}” has no reply URL (settings.reply_url), so a reply "
            "would have nowhere to go. An admin can set one on the Channels page. Private notes still work."
        )
    return None
