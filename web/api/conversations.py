"""Conversation endpoints: thin views over inbox.conversations.service."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field, field_validator

from inbox.conversations import service as svc
from inbox.conversations import thread
from inbox.store.limits import INT32_MAX
from inbox.store.models import Conversation, ConversationLabel
from web.api import endpoint, json_body, parse, query
from web.api.schemas import Conversation as Conversation_
from web.api.schemas import ConversationDetail, ConversationList, Message, MessagePage
from web.api.validation import ID_DIGITS, ColumnStr, Id, QueryModel, Time
from web.auth import checked_principal, inbox
from web.errors import N_, ApiError

Label = ColumnStr(ConversationLabel.label, min_length=1)


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    assignee_id: Id | None = None
    team_id: Id | None = Field(
        default=None, description="hand to this team: unassigned in its queue unless assignee_id is given too"
    )
    labels: list[Label] | None = Field(default=None, max_length=50)  # type: ignore[valid-type]
    snoozed_until: Time | None = Field(default=None, description="with status snoozed: when to reopen")


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=15)
    variables: list[str] = Field(default_factory=list, max_length=20)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=10_000)
    private: bool = False
    attachment_ids: list[Id] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=10, description="uploads (POST .../attachments) to send with it"
    )
    template: TemplateIn | None = Field(
        default=None,
        description="a WhatsApp message template (GET .../templates); `text` is its body as filled in",
    )


class ListQuery(QueryModel):
    status: Literal["open", "pending", "snoozed", "resolved", "all"] | None = Field(
        default=None, description="open (default; all with updated_since), pending, snoozed, resolved or all"
    )
    channel: ColumnStr(Conversation.channel) | None = Field(  # type: ignore[valid-type]
        default=None, description="channel kind, e.g. mastodon"
    )
    assignee: str | None = Field(
        default=None, pattern=f"^(me|none|{ID_DIGITS})$", description="an agent id, 'me' or 'none'"
    )
    team: Id | None = Field(default=None, description="team id")
    label: Label | None = Field(default=None, description="label name")  # type: ignore[valid-type]
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    language: ColumnStr(Conversation.language) | None = Field(  # type: ignore[valid-type]
        default=None, description="en, zh-Hans, zh-Hant, th ..."
    )
    public: bool | None = Field(
        default=None, description="true for public mentions, false for direct messages"
    )
    sort: Literal["priority", "newest", "oldest_waiting"] = "priority"
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=INT32_MAX)
    updated_since: Time | None = Field(
        default=None,
        description="ISO 8601 time: only conversations changed since then, any status unless `status` is "
        "given, oldest change first; the answer's `next_since` is the value to send next time",
    )

    @field_validator("updated_since", mode="before")
    @classmethod
    def _plus_as_space(cls, v: Any) -> Any:
        # an unencoded "+" in a query string arrives as a space
        return re.sub(r" (\d\d:?\d\d)$", r"+\1", v.strip()) if isinstance(v, str) else v


# next_since reaches back this far, so a change committed while the list was being read is fetched
# again next time rather than lost; the client upserts by id, so the overlap costs no duplicates
CATCH_UP_OVERLAP = timedelta(seconds=30)


@endpoint(
    "/conversations",
    ["GET"],
    "List conversations, ranked by priority",
    query=ListQuery,
    response=ConversationList,
)
def list_conversations() -> Any:
    """Only the conversations the caller may see; each carries its priority components (the why)."""
    q = query(ListQuery)
    since = q.updated_since
    asked_at = inbox().clock()
    f = svc.ListFilter(
        status=q.status or ("open" if since is None else "all"),
        channel=q.channel,
        assignee=q.assignee,
        team=q.team,
        label=q.label,
        sentiment=q.sentiment,
        language=q.language,
        public=q.public,
        sort=q.sort,
        limit=q.limit,
        offset=q.offset,
        updated_since=since,
    )
    out: dict[str, Any] = {
        "conversations": svc.list_conversations(inbox(), g.agent_id, f, checked_principal())
    }
    if since is not None:
        out["next_since"] = (asked_at - CATCH_UP_OVERLAP).isoformat()
    return jsonify(out)


class ThreadQuery(QueryModel):
    limit: int = Field(
        default=thread.PAGE,
        ge=1,
        le=thread.MAX_PAGE,
        description=f"messages in the page (default {thread.PAGE})",
    )


class OlderQuery(ThreadQuery):
    before: Id = Field(
        description="a message id, normally the previous page's `more_before`; the page holds the messages "
        "just older than it"
    )


@endpoint(
    "/conversations/<int:conversation_id>",
    ["GET"],
    "A conversation with its newest messages",
    query=ThreadQuery,
    response=ConversationDetail,
)
def get_conversation(conversation_id: int) -> Any:
    """The newest page of messages (shown oldest first), with delivery state for replies, and the
    rule runs that changed it lately. `more_before` is null when the page reaches the first message,
    else the cursor for `GET /api/conversations/{id}/messages?before=`."""
    q = query(ThreadQuery)
    return jsonify(svc.get_conversation(inbox(), g.agent_id, conversation_id, q.limit, checked_principal()))


@endpoint(
    "/conversations/<int:conversation_id>/messages",
    ["GET"],
    "Older messages of a conversation",
    query=OlderQuery,
    response=MessagePage,
)
def older_messages(conversation_id: int) -> Any:
    """`{conversation_id, messages, more_before}`: the page just older than `before`, oldest first
    (keyset pagination by (created_at, id): as fast at the 10,000th message as at the first)."""
    q = query(OlderQuery)
    return jsonify(
        svc.older_messages(inbox(), g.agent_id, conversation_id, q.before, q.limit, checked_principal())
    )


@endpoint(
    "/conversations/<int:conversation_id>",
    ["PATCH"],
    "Change status, assignee or labels",
    body=ConversationPatch,
    response=Conversation_,
)
def patch_conversation(conversation_id: int) -> Any:
    body = parse(ConversationPatch, json_body())
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise ApiError(400, "invalid", N_("nothing to change: send status, assignee_id or labels"))
    return jsonify(svc.update_conversation(inbox(), g.agent_id, conversation_id, changes))


@endpoint(
    "/conversations/<int:conversation_id>/replies",
    ["POST"],
    "Reply (through the outbox) or add a note",
    body=ReplyIn,
    status=201,
    response=Message,
)
def post_reply(conversation_id: int) -> Any:
    """A reply is queued in the outbox and sent by a worker with retries; `private: true` stores a note."""
    body = parse(ReplyIn, json_body())
    return jsonify(
        svc.reply(
            inbox(),
            g.agent_id,
            conversation_id,
            body.text,
            body.private,
            body.attachment_ids,
            body.template.model_dump() if body.template else None,
        )
    ), 201
