"""Rules as supervisors manage them: list, create, update, delete, reorder, and a dry run.

Validation is the escalation leaf's (`validate_rule`); this module owns the transactions,
the audit trail and the role check. `preview` replays a draft rule over stored messages
and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from escalation import ACTIONS, FIELDS, TRIGGERS, RuleError, describe, evaluate, rule_to_dict, validate_rule
from escalation.describe import describe_action, explain
from inbox.automation import engine as automation
from inbox.automation.rule_references import reference_problems
from inbox.conversations.serialize import iso
from inbox.store.access import require_manager
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import (
    AuditLog,
    Conversation,
    ConversationLabel,
    Customer,
    Direction,
    Identity,
    Message,
)
from inbox.store.models import Rule as RuleRow

PREVIEW_DEFAULT, PREVIEW_MAX = 50, 500


class RuleInvalid(Invalid):
    """A rule that failed validation; `errors` lists every problem with its path."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = errors[0] if errors else {"path": "", "message": "invalid rule"}
        super().__init__(
            "; ".join(f"{e['path']}: {e['message']}" if e["path"] else e["message"] for e in errors),
            first["path"] or None,
        )
        self.errors = errors


def _validate(data: Mapping[str, Any]) -> Any:
    try:
        return validate_rule(data)
    except RuleError as exc:
        raise RuleInvalid(exc.errors) from None


def _check_references(s: Any, clean: dict[str, Any], before: dict[str, Any] | None = None) -> None:
    """Reject a rule whose actions newly name a missing or archived team, a missing or
    deactivated agent, or a missing canned reply. On an update only actions the change adds are
    checked, so a rule whose team was archived since can still be edited or switched off."""
    kept = (before or {}).get("actions", [])
    skip = {i for i, a in enumerate(clean["actions"]) if a in kept}
    problems = reference_problems(s, clean["actions"], skip)
    if problems:
        raise RuleInvalid(problems)


def rule_dict(row: RuleRow) -> dict[str, Any]:
    """A stored rule as the API returns it, with its sentence for the editor."""
    rule = automation.to_rule(row)
    return {
        **rule_to_dict(rule),
        "description": describe(rule),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def vocabulary() -> dict[str, Any]:
    """Fields, operators and actions for an editor to build rules from lists."""
    return {
        "triggers": list(TRIGGERS),
        "fields": [
            {
                "name": f.name,
                "type": f.type,
                "label": f.label,
                "doc": f.doc,
                "operators": list(f.operators),
                "choices": list(f.choices),
            }
            for f in FIELDS.values()
        ],
        "actions": [
            {
                "type": a.type,
                "doc": a.doc,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "choices": list(p.choices),
                        "default": p.default,
                    }
                    for p in a.params
                ],
            }
            for a in ACTIONS.values()
        ],
    }


def list_rules(inbox: Inbox, agent_id: int) -> list[dict[str, Any]]:
    """Every rule in evaluation order."""
    with inbox.read() as s:
        require_manager(s, agent_id)
        return [rule_dict(r) for r in s.scalars(select(RuleRow).order_by(RuleRow.position, RuleRow.id))]


def _store(row: RuleRow, data: dict[str, Any]) -> None:
    row.name, row.trigger, row.match = data["name"], data["trigger"], data["match"]
    row.conditions, row.actions = data["conditions"], data["actions"]
    row.enabled, row.position = data["enabled"], data["order"]


def create_rule(inbox: Inbox, agent_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and save a new rule (appended last unless `order` is given); audited."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        if "order" not in data and "position" not in data:
            data = {**data, "order": (s.scalar(select(func.max(RuleRow.position))) or 0) + 1}
        clean = rule_to_dict(_validate({**data, "id": None}))
        _check_references(s, clean)
        now = inbox.clock()
        row = RuleRow(created_at=now, updated_at=now)
        _store(row, clean)
        s.add(row)
        s.flush()
        s.add(AuditLog(agent_id=who, action="rule.created", target=f"rule:{row.id}", details=clean, at=now))
        return rule_dict(row)


def update_rule(inbox: Inbox, agent_id: int, rule_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a partial change (e.g. just `enabled`), validate the whole result, audit before/after."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        row = s.get(RuleRow, rule_id)
        if row is None:
            raise NotFound(N_("rule %(rule_id)s not found"), rule_id=rule_id)
        before = rule_to_dict(automation.to_rule(row))
        merged = {**before, **{k: v for k, v in changes.items() if k != "id"}, "id": rule_id}
        if "position" in changes and "order" not in changes:
            merged["order"] = changes["position"]
        clean = rule_to_dict(_validate(merged))
        _check_references(s, clean, before)
        _store(row, clean)
        row.updated_at = inbox.clock()
        s.add(
            AuditLog(
                agent_id=who,
                action="rule.updated",
                target=f"rule:{row.id}",
                details={"before": before, "after": clean},
                at=row.updated_at,
            )
        )
        s.flush()
        return rule_dict(row)


def delete_rule(inbox: Inbox, agent_id: int, rule_id: int) -> None:
    """Delete a rule; its past runs stay on conversations (rule_id becomes null, the name stays)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        row = s.get(RuleRow, rule_id)
        if row is None:
            raise NotFound(N_("rule %(rule_id)s not found"), rule_id=rule_id)
        before = rule_to_dict(automation.to_rule(row))
        s.delete(row)
        s.add(
            AuditLog(
                agent_id=who,
                action="rule.deleted",
                target=f"rule:{rule_id}",
                details=before,
                at=inbox.clock(),
            )
        )


def reorder_rules(inbox: Inbox, agent_id: int, ids: list[int]) -> list[dict[str, Any]]:
    """Set the evaluation order to `ids` (which must name every rule exactly once)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        rows = {r.id: r for r in s.scalars(select(RuleRow))}
        if sorted(ids) != sorted(rows) or len(set(ids)) != len(ids):
            raise Invalid(N_("ids must list every rule exactly once"), "ids")
        for pos, rid in enumerate(ids, start=1):
            rows[rid].position = pos
        s.add(
            AuditLog(
                agent_id=who, action="rule.reordered", target="rules", details={"ids": ids}, at=inbox.clock()
            )
        )
        s.flush()
        return [rule_dict(rows[rid]) for rid in ids]


def preview(
    inbox: Inbox, agent_id: int, data: Mapping[str, Any], limit: int = PREVIEW_DEFAULT
) -> dict[str, Any]:
    """Run a draft rule over the last `limit` inbound messages as if each had just arrived.

    Facts are rebuilt from today's rows (conversation state is as it is now, not as it was),
    so the answer says what the rule would do to similar messages from here on. Nothing is written.
    """
    limit = max(1, min(int(limit), PREVIEW_MAX))
    rule = _validate(
        {**data, "enabled": True, "id": data.get("id") if isinstance(data.get("id"), int) else None}
    )
    now = inbox.clock()
    with inbox.read() as s:
        require_manager(s, agent_id)
        rows = s.execute(
            select(Message, Conversation, Customer, Identity)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(Customer, Customer.id == Conversation.customer_id)
            .outerjoin(Identity, Identity.id == Message.author_identity_id)
            .where(Message.direction == Direction.IN.value)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        ).all()
        labels: dict[int, set[str]] = {}
        conv_ids = list({c.id for _, c, _, _ in rows})
        if conv_ids:
            for cid, label in s.execute(
                select(ConversationLabel.conversation_id, ConversationLabel.label).where(
                    ConversationLabel.conversation_id.in_(conv_ids)
                )
            ):
                labels.setdefault(cid, set()).add(label)
        matches = []
        for msg, conv, customer, ident in rows:
            facts = automation.conversation_facts(conv, customer, labels.get(conv.id, set()), now)
            facts.update(
                automation.message_facts(
                    msg.text,
                    msg.language or "und",
                    msg.sentiment or 0.0,
                    msg.sentiment_label or "neutral",
                    conv.channel,
                    msg.public,
                    ident,
                )
            )
            fired = evaluate([rule], facts, rule.trigger)
            if not fired:
                continue
            matches.append(
                {
                    "message_id": msg.id,
                    "conversation_id": conv.id,
                    "text": msg.text[:280],
                    "author": ident.handle if ident else None,
                    "created_at": iso(msg.created_at),
                    "matched": [
                        {
                            "field": m.condition.field,
                            "op": m.condition.op,
                            "seen": automation.jsonable(m.seen),
                            "text": explain(m),
                        }
                        for m in fired[0].matched
                    ],
                    "actions": [
                        {"type": a.type, **a.params, "text": describe_action(a)} for a in rule.actions
                    ],
                }
            )
    return {
        "rule": rule_to_dict(rule),
        "description": describe(rule),
        "checked": len(rows),
        "matched": len(matches),
        "matches": matches,
    }
