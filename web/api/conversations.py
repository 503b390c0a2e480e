"""Conversation endpoints: thin views over inbox.conversations.service."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from inbox.conversations import service as svc
from inbox.conversations import thread
from web.api import endpoint, json_body, parse
from web.auth import inbox
from web.errors import ApiError


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    assignee_id: int | None = None
    labels: list[str] | None = None
    snoozed_until: datetime | None = Field(default=None, description="with status snoozed: when to reopen")


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000)
    private: bool = False
    attachment_ids: list[int] = Field(
        default_factory=list, max_length=10, description="uploads (POST .../attachments) to send with it"
    )


FILTERS = {
    "status": "open (default), pending, snoozed, resolved or all",
    "channel": "channel kind, e.g. mastodon",
    "assignee": "an agent id, 'me' or 'none'",
    "team": "team id",
    "label": "label name",
    "sentiment": "negative, neutral or positive",
    "language": "en, zh-Hans, zh-Hant, th ...",
    "public": "true for public mentions, false for direct messages",
    "sort": "priority (default), newest or oldest_waiting",
    "limit": "at most 200 (default 50)",
    "offset": "for paging",
    "updated_since": "ISO 8601 time: only conversations changed since then, any status unless `status` is "
    "given, oldest change first; the answer's `next_since` is the value to send next time",
}
# next_since reaches back this far, so a change committed while the list was being read is fetched
# again next time rather than lost; the client upserts by id, so the overlap costs no duplicates
CATCH_UP_OVERLAP = timedelta(seconds=30)


def _since() -> datetime | None:
    raw = request.args.get("updated_since")
    if not raw:
        return None
    try:
        # an unencoded "+" in a query string arrives as a space
        at = datetime.fromisoformat(re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip()).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid", "updated_since must be an ISO 8601 time", "updated_since") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _int(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be a whole number", name) from None


@endpoint("/conversations", ["GET"], "List conversations, ranked by priority", query=FILTERS)
def list_conversations() -> Any:
    """Only the conversations the caller may see; each carries its priority components (the why)."""
    a = request.args
    public = a.get("public")
    since = _since()
    asked_at = inbox().clock()
    f = svc.ListFilter(
        status=a.get("status", "open" if since is None else "all") or None,
        channel=a.get("channel") or None,
        assignee=a.get("assignee") or None,
        team=_int("team"),
        label=a.get("label") or None,
        sentiment=a.get("sentiment") or None,
        language=a.get("language") or None,
        public=None if public in (None, "") else public.lower() in ("1", "true", "yes"),
        sort=a.get("sort", "priority"),
        limit=_int("limit", 50) or 50,
        offset=_int("offset", 0) or 0,
        updated_since=since,
    )
    out: dict[str, Any] = {"conversations": svc.list_conversations(inbox(), g.agent_id, f)}
    if since is not None:
        out["next_since"] = (asked_at - CATCH_UP_OVERLAP).isoformat()
    return jsonify(out)


THREAD = {
    "limit": f"messages in the page, 1 to {thread.MAX_PAGE} (default {thread.PAGE})",
}
OLDER = {
    "before": "required: a message id, normally the previous page's `more_before`; the page holds "
    "the messages just older than it",
    **THREAD,
}


@endpoint(
    "/conversations/<int:conversation_id>", ["GET"], "A conversation with its newest messages", query=THREAD
)
def get_conversation(conversation_id: int) -> Any:
    """The newest page of messages (shown oldest first), with delivery state for replies, and the
    rule runs that changed it lately. `more_before` is null when the page reaches the first message,
    else the cursor for `GET /api/conversations/{id}/messages?before=`."""
    limit = _int("limit", thread.PAGE) or 0
    return jsonify(svc.get_conversation(inbox(), g.agent_id, conversation_id, limit))


@endpoint(
    "/conversations/<int:conversation_id>/messages", ["GET"], "Older messages of a conversation", query=OLDER
)
def older_messages(conversation_id: int) -> Any:
    """`{conversation_id, messages, more_before}`: the page just older than `before`, oldest first
    (keyset pagination by (created_at, id): as fast at the 10,000th message as at the first)."""
    before = _int("before")
    if before is None:
        raise ApiError(400, "invalid", "before is required: a message id", "before")
    limit = _int("limit", thread.PAGE) or 0
    return jsonify(svc.older_messages(inbox(), g.agent_id, conversation_id, before, limit))


@endpoint(
    "/conversations/<int:conversation_id>",
    ["PATCH"],
    "Change status, assignee or labels",
    body=ConversationPatch,
)
def patch_conversation(conversation_id: int) -> Any:
    body = parse(ConversationPatch, json_body())
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise ApiError(400, "invalid", "nothing to change: send status, assignee_id or labels")
    return jsonify(svc.update_conversation(inbox(), g.agent_id, conversation_id, changes))


@endpoint(
    "/conversations/<int:conversation_id>/replies",
    ["POST"],
    "Reply (through the outbox) or add a note",
    body=ReplyIn,
    status=201,
)
def post_reply(conversation_id: int) -> Any:
    """A reply is queued in the outbox and sent by a worker with retries; `private: true` stores a note."""
    body = parse(ReplyIn, json_body())
    return jsonify(
        svc.reply(inbox(), g.agent_id, conversation_id, body.text, body.private, body.attachment_ids)
    ), 201
