"""Bulk actions on the conversation list: one update per id, each in its own transaction.

Each id goes through the same `update_conversation` as a single change (access check, audit,
events), so one forbidden id does not block the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inbox.conversations.service import update_conversation
from inbox.store.context import Inbox
from inbox.store.errors import N_, InboxError, Invalid

ACTIONS = ("assign", "label", "resolve", "status")


def changes_for(action: str, params: dict[str, Any]) -> dict[str, Any]:
    """The update one bulk action asks for; a missing parameter is a clear 400."""
    if action == "assign":
        if params.get("team_id") is not None:
            team = {"team_id": params["team_id"]}
            return {**team, "assignee_id": params["assignee_id"]} if "assignee_id" in params else team
        if "assignee_id" not in params:
            raise Invalid(N_("assign needs assignee_id (null to unassign) or team_id"), "assignee_id")
        return {"assignee_id": params["assignee_id"]}
    if action == "resolve":
        return {"status": "resolved"}
    if action == "status":
        if not params.get("status"):
            raise Invalid(N_("status needs status"), "status")
        return {"status": params["status"]}
    if action == "label":
        if not params.get("labels") and not params.get("remove_labels"):
            raise Invalid(N_("label needs labels or remove_labels"), "labels")
        return {"add_labels": params.get("labels") or [], "remove_labels": params.get("remove_labels") or []}
    raise Invalid(N_("action must be one of %(choices)s"), "action", choices=", ".join(ACTIONS))


def bulk_update(
    inbox: Inbox, agent_id: int, ids: Iterable[int], action: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Apply `action` to each conversation (repeats once); results in the order given."""
    changes = changes_for(action, params)
    results: list[dict[str, Any]] = []
    for conversation_id in dict.fromkeys(ids):
        try:
            conv = update_conversation(inbox, agent_id, conversation_id, changes)
            results.append({"id": conversation_id, "ok": True, "conversation": conv})
        except InboxError as e:
            results.append(
                {
                    "id": conversation_id,
                    "ok": False,
                    "error": {"code": e.code, "message": e.message, "field": e.field},
                }
            )
    done = sum(1 for r in results if r["ok"])
    return {"results": results, "ok": done, "failed": len(results) - done}
