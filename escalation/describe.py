"""Human sentences for rules and firings, for the editor and the "why it fired" trail."""

from __future__ import annotations

from typing import Any

from escalation.fields import BOOL, FIELDS
from escalation.operators import canonical_op
from escalation.types import Action, Condition, Firing, Matched, Rule

_TRIGGER_TEXT = {
    "message.created": "a message is created",
    "conversation.updated": "a conversation is updated",
    "time.passed": "time passes",
    "mention.created": "a listening stream finds a mention",
}
_SYMBOL = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _fmt(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe_condition(condition: Condition) -> str:
    """One condition as words: "sentiment < -0.5", "labels contain urgent"."""
    field = FIELDS.get(condition.field)
    label = field.label if field else condition.field
    op, value = canonical_op(condition.op), condition.value
    if field and field.type == BOOL and op in ("equals", "not_equals") and isinstance(value, bool):
        return field.true_text if value == (op == "equals") else field.false_text
    if op in _SYMBOL:
        return f"{label} {_SYMBOL[op]} {_fmt(value)}"
    text = {
        "equals": f"{label} is {_fmt(value)}",
        "not_equals": f"{label} is not {_fmt(value)}",
        "in": f"{label} is one of {_fmt(value)}",
        "not_in": f"{label} is none of {_fmt(value)}",
        "contains": f'{label} contains "{_fmt(value)}"',
        "not_contains": f'{label} does not contain "{_fmt(value)}"',
        "matches": f"{label} matches /{value}/",
        "between": f"{label} is between {_fmt(value[0])} and {_fmt(value[1])}"
        if isinstance(value, list | tuple) and len(value) == 2
        else f"{label} is between {_fmt(value)}",
        "is_set": f"{label} is set" if value in (None, True) else f"{label} is not set",
        "changed_to": f"{label} changes to {_fmt(value)}",
    }
    return text.get(op, f"{label} {op} {_fmt(value)}")


def describe_action(action: Action) -> str:
    """One action as words: "set priority 90", "add label urgent"."""
    p = action.params
    match action.type:
        case "set_priority":
            return f"set priority {_fmt(p.get('value'))}"
        case "add_label":
            return f"add label {p.get('label')}"
        case "remove_label":
            return f"remove label {p.get('label')}"
        case "assign_team":
            return f"assign to team {p.get('team_id')}"
        case "assign_agent":
            return f"assign to agent {p.get('agent_id')}"
        case "escalate":
            return f"escalate to {p.get('to', 'supervisor')}"
        case "notify" if p.get("channel") == "webhook":
            return f"notify webhook {p.get('url')}"
        case "notify":
            return f'notify in app "{p["message"]}"' if p.get("message") else "notify in app"
        case "send_canned" if p.get("canned_id") is not None:
            return f"send canned reply #{p['canned_id']}"
        case "send_canned":
            return f'send reply "{p.get("text")}"'
        case "snooze":
            return f"snooze {_fmt(p.get('minutes'))} minutes"
        case "resolve":
            return "resolve"
        case "promote":
            return "promote the mention to a conversation"
    return action.type.replace("_", " ")


def describe(rule: Rule) -> str:
    """The rule as a sentence a supervisor can check before enabling it.

    "When a message is created and sentiment < -0.5 and author followers > 10000:
    set priority 90, add label urgent"
    """
    head = f"When {_TRIGGER_TEXT.get(rule.trigger, rule.trigger)}"
    parts = [describe_condition(c) for c in rule.conditions]
    if len(parts) == 1 or (parts and rule.match != "any"):
        head += " and " + " and ".join(parts)
    elif parts:
        head += " and any of: " + "; ".join(parts)
    actions = ", ".join(describe_action(a) for a in rule.actions) or "do nothing"
    disabled = " (disabled)" if not rule.enabled else ""
    return f"{head}: {actions}{disabled}"


def explain(matched: Matched) -> str:
    """Why one condition held, with the value seen: "sentiment < -0.5 (was -0.82)"."""
    if canonical_op(matched.condition.op) == "changed_to":
        return f"{describe_condition(matched.condition)} (from {_fmt(matched.previous)})"
    return f"{describe_condition(matched.condition)} (seen {_fmt(matched.seen)})"


def firing_to_dict(firing: Firing) -> dict[str, Any]:
    """A firing as JSON for the conversation's "why it fired" record."""

    def plain(v: Any) -> Any:
        return [plain(x) for x in v] if isinstance(v, list | tuple | set | frozenset) else v

    return {
        "rule_id": firing.rule_id,
        "rule_name": firing.rule_name,
        "trigger": firing.trigger,
        "matched": [
            {
                "field": m.condition.field,
                "op": canonical_op(m.condition.op),
                "value": plain(m.condition.value),
                "seen": plain(m.seen),
                "previous": plain(m.previous),
                "text": explain(m),
            }
            for m in firing.matched
        ],
        "actions": [{"type": a.type, **a.params} for a in firing.actions],
    }
