"""Bulk actions on the conversation list: one update per id, each with its own access check."""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox.conversations.bulk import bulk_update
from inbox.store.models import ConversationLabel
from web.api import endpoint, json_body, parse
from web.api.schemas import BulkAnswer
from web.api.validation import ColumnStr, Id
from web.auth import inbox

Label = ColumnStr(ConversationLabel.label, min_length=1)

MAX_IDS = 200


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Id] = Field(min_length=1, max_length=MAX_IDS)
    action: Literal["assign", "label", "resolve", "status"]
    assignee_id: Id | None = Field(default=None, description="assign: the agent, or null to unassign")
    team_id: Id | None = Field(
        default=None,
        description="assign: hand to this team (unassigned in its queue unless assignee_id is given)",
    )
    labels: list[Label] | None = Field(default=None, max_length=50, description="label: labels to add")  # type: ignore[valid-type]
    remove_labels: list[Label] | None = Field(  # type: ignore[valid-type]
        default=None, max_length=50, description="label: labels to take off"
    )
    status: Literal["open", "pending", "snoozed", "resolved"] | None = Field(
        default=None, description="status"
    )


@endpoint(
    "/conversations/bulk",
    ["POST"],
    "Apply one action to many conversations",
    body=BulkIn,
    response=BulkAnswer,
)
def bulk() -> Any:
    """Each id is updated in its own transaction, with the same access checks and events as a single
    PATCH, so one forbidden id does not block the others. Answers `{results: [{id, ok: true,
    conversation} | {id, ok: false, error: {code, message, field}}], ok: n, failed: n}` in the order given."""
    body = parse(BulkIn, json_body())
    params = body.model_dump(include=body.model_fields_set - {"ids", "action"})
    return jsonify(bulk_update(inbox(), g.agent_id, body.ids, body.action, params))
