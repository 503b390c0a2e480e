"""Bulk actions on the conversation list: one update per id, each with its own access check."""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox import conversations as svc
from inbox.errors import InboxError
from web.api import endpoint, json_body, parse
from web.auth import inbox
from web.errors import ApiError

MAX_IDS = 200


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] = Field(min_length=1, max_length=MAX_IDS)
    action: Literal["assign", "label", "resolve", "status"]
    assignee_id: int | None = Field(default=None, description="assign: the agent, or null to unassign")
    labels: list[str] | None = Field(default=None, description="label: labels to add")
    remove_labels: list[str] | None = Field(default=None, description="label: labels to take off")
    status: Literal["open", "pending", "snoozed", "resolved"] | None = Field(default=None, description="status")


def _changes(body: BulkIn) -> dict[str, Any]:
    """The update_conversation changes the action asks for (labels are completed per conversation)."""
    if body.action == "assign":
        if "assignee_id" not in body.model_fields_set:
            raise ApiError(400, "invalid", "assign needs assignee_id (null to unassign)", "assignee_id")
        return {"assignee_id": body.assignee_id}
    if body.action == "resolve":
        return {"status": "resolved"}
    if body.action == "status":
        if body.status is None:
            raise ApiError(400, "invalid", "status needs status", "status")
        return {"status": body.status}
    if not body.labels and not body.remove_labels:
        raise ApiError(400, "invalid", "label needs labels or remove_labels", "labels")
    return {}


def _labelled(conversation_id: int, body: BulkIn) -> dict[str, Any]:
    with inbox().read() as s:
        current = set(svc._labels(s, [conversation_id]).get(conversation_id, []))
    current |= {x.strip() for x in body.labels or [] if x.strip()}
    current -= {x.strip() for x in body.remove_labels or []}
    return {"labels": sorted(current)}


@endpoint("/conversations/bulk", ["POST"], "Apply one action to many conversations", body=BulkIn)
def bulk() -> Any:
    """Each id is updated in its own transaction, with the same access checks and events as a single
    PATCH, so one forbidden id does not block the others. Answers `{results: [{id, ok: true,
    conversation} | {id, ok: false, error: {code, message, field}}], ok: n, failed: n}` in the order given."""
    body = parse(BulkIn, json_body())
    base = _changes(body)
    results: list[dict[str, Any]] = []
    for conversation_id in dict.fromkeys(body.ids):
        try:
            changes = base if body.action != "label" else _labelled(conversation_id, body)
            conv = svc.update_conversation(inbox(), g.agent_id, conversation_id, changes)
            results.append({"id": conversation_id, "ok": True, "conversation": conv})
        except InboxError as e:
            results.append({"id": conversation_id, "ok": False,
                            "error": {"code": e.code, "message": e.message, "field": e.field}})
    done = sum(1 for r in results if r["ok"])
    return jsonify({"results": results, "ok": done, "failed": len(results) - done})
