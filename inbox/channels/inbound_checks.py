"""A pushed message checked against what the database can hold, before the batch is ingested.

A message the database would refuse (a NUL byte, a lone surrogate, a 300-character author id, a
follower count past 32 bits, a time past 2099) is taken out of its batch with the field and the
reason, and the rest of the batch is stored: one bad item must not fail the whole delivery, or a
sender that retries it is stuck for ever. Field names are the generic webhook format's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.types import InboundMessage
from inbox.store.limits import column_length, int_range, string_problem, time_problem
from inbox.store.models import Conversation, Customer, Identity, Message


def _limit(*columns: Any) -> int | None:
    """The tightest length of the columns a value is written to (None when all are unbounded)."""
    lengths = [n for n in (column_length(c) for c in columns) if n is not None]
    return min(lengths) if lengths else None


# (field, how to read it, the columns it is written to). A customer is named after the author's
# display name or handle, so both fit Customer.name as well as their identity column.
_STRINGS: tuple[tuple[str, Callable[[InboundMessage], str | None], int | None], ...] = (
    ("id", lambda m: m.external_id, _limit(Message.external_id)),
    ("thread", lambda m: m.thread_key, _limit(Conversation.thread_key)),
    ("text", lambda m: m.text, None),
    ("html", lambda m: m.html, None),
    ("lang", lambda m: m.language_hint, _limit(Message.language)),
    ("in_reply_to", lambda m: m.in_reply_to, _limit(Message.in_reply_to)),
    ("url", lambda m: m.url, _limit(Message.url)),
    ("subject", lambda m: m.subject, _limit(Conversation.subject)),
    ("author.id", lambda m: m.author.external_id, _limit(Identity.external_id)),
    ("author.handle", lambda m: m.author.handle, _limit(Identity.handle, Customer.name)),
    ("author.name", lambda m: m.author.display_name, _limit(Identity.display_name, Customer.name)),
    ("author.profile_url", lambda m: m.author.profile_url, _limit(Identity.profile_url)),
    ("author.email", lambda m: m.author.email, _limit(Identity.email, Customer.email)),
    ("author.phone", lambda m: m.author.phone, _limit(Identity.phone)),
)
_FOLLOWERS = int_range(Identity.followers)


def message_problem(m: InboundMessage) -> tuple[str, str] | None:
    """The first field of `m` that cannot be stored on both databases, with the reason; or None."""
    for field, read, max_length in _STRINGS:
        value = read(m)
        if value is None:
            continue
        problem = string_problem(value, max_length)
        if problem is not None:
            return field, problem
    if not 0 <= m.author.followers <= _FOLLOWERS[1]:
        return "author.followers", f"must be between 0 and {_FOLLOWERS[1]}"
    for ref in m.references:
        problem = string_problem(ref, _limit(Message.in_reply_to))
        if problem is not None:
            return "references", problem
    problem = time_problem(m.created_at)
    if problem is not None:
        return "created_at", problem
    return None
