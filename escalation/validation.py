"""Rule validation: the JSON a UI or API sends, checked and turned into a `Rule`.

Every problem is reported at once, each with a path ("conditions[1].value")
and a message a supervisor can act on, so the editor can mark the right input.
`rule_to_dict` is the inverse: `validate_rule(rule_to_dict(r)) == r`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from escalation.actions import validate_action
from escalation.fields import BOOL, ENUM, FIELDS, ID, LIST, NUMBER, STRING, TEXT, Field
from escalation.messages import N_
from escalation.operators import MAX_PATTERN_LENGTH, OPERATORS, canonical_op, compile_pattern, is_number
from escalation.types import TRIGGERS, Action, Condition, Rule

MAX_NAME = 200
MAX_LIST = 200
# A group that repeats and is itself repeated, e.g. (a+)+ or (\w+\s?)*: exponential backtracking.
_NESTED_REPEAT = re.compile(r"\((?:[^()\\]|\\.)*[*+](?:[^()\\]|\\.)*\)(?:[*+]|\{\d*,\d*\})")


class RuleError(ValueError):
    """A rule that cannot be saved; `errors` is a list of {"path", "message"}."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{e['path']}: {e['message']}" if e["path"] else e["message"] for e in errors)
        )


def _element_error(field: Field, value: Any) -> str | None:
    """Why `value` cannot be compared with `field`, or None if it can."""
    if field.type in (TEXT, STRING, LIST):
        return None if isinstance(value, str) and value != "" else N_("must be a non-empty string")
    if field.type == ENUM:
        if isinstance(value, str) and value.casefold() in field.choices:
            return None
        return N_("must be one of: %(choices)s", choices=", ".join(field.choices))
    if field.type == NUMBER:
        return None if is_number(value) else N_("must be a number")
    if field.type == BOOL:
        return None if isinstance(value, bool) else N_("must be true or false")
    if field.type == ID:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return N_("must be an integer id (use is_set false for 'none')")
    return None


def _normalize(field: Field, value: Any) -> Any:
    if field.type == ENUM and isinstance(value, str):
        return value.casefold()
    return value


def _check_value(field: Field, op: str, value: Any) -> tuple[Any, str | None]:
    """The stored form of `value` for `field op`, or an error message."""
    if op == "is_set":
        if value is None:
            return True, None
        return (value, None) if isinstance(value, bool) else (value, N_("is_set takes true or false"))
    if op == "between":
        ok = isinstance(value, list | tuple) and len(value) == 2 and all(is_number(v) for v in value)
        if not ok:
            return value, N_("between needs two numbers [low, high]")
        if value[0] > value[1]:
            return value, N_("between needs low <= high")
        return tuple(value), None
    if op in ("in", "not_in") or (op in ("contains", "not_contains") and isinstance(value, list | tuple)):
        if not isinstance(value, list | tuple) or not value:
            return value, N_("%(op)s needs a non-empty list", op=op)
        if len(value) > MAX_LIST:
            return value, N_("%(op)s takes at most %(n)s values", op=op, n=MAX_LIST)
        for i, v in enumerate(value):
            err = _element_error(field, v)
            if err:
                return value, N_("item %(i)s %(problem)s", i=i, problem=err)
        return tuple(_normalize(field, v) for v in value), None
    if op == "matches":
        if not isinstance(value, str) or not value:
            return value, N_("matches needs a regular expression")
        if len(value) > MAX_PATTERN_LENGTH:
            return value, N_("pattern must be at most %(n)s characters", n=MAX_PATTERN_LENGTH)
        try:
            compile_pattern(value)
        except re.error as exc:
            return value, N_("invalid regular expression: %(error)s", error=str(exc))
        if _NESTED_REPEAT.search(value):
            return value, N_("pattern repeats a repeated group, like (a+)+, which can hang; simplify it")
        return value, None
    if op in ("gt", "gte", "lt", "lte"):
        return (value, None) if is_number(value) else (value, N_("%(op)s needs a number", op=op))
    err = _element_error(field, value)
    return (_normalize(field, value), None) if err is None else (value, err)


def validate_condition(
    data: Any, trigger: str | None = None, path: str = ""
) -> tuple[Condition | None, list[dict[str, str]]]:
    """Check one condition `{"field", "op", "value"}`; aliases become canonical names."""
    errors: list[dict[str, str]] = []

    def err(sub: str, message: str) -> None:
        errors.append({"path": path + sub, "message": message})

    if not isinstance(data, Mapping):
        err("", N_("a condition must be an object with field, op and value"))
        return None, errors
    name, op = data.get("field"), data.get("op")
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        err(".field", N_("unknown field %(name)r; see the fact vocabulary (FIELDS)", name=name))
    if not isinstance(op, str) or canonical_op(op) not in OPERATORS:
        err(".op", N_("unknown operator %(op)r", op=op))
        return None, errors
    op = canonical_op(op)
    if field is None:
        return None, errors
    if op not in field.operators:
        err(
            ".op",
            N_(
                "operator '%(op)s' does not apply to %(field)s (%(type)s); use one of: %(choices)s",
                op=op,
                field=field.name,
                type=field.type,
                choices=", ".join(field.operators),
            ),
        )
        return None, errors
    if op == "changed_to" and trigger is not None and trigger != "conversation.updated":
        err(".op", N_("changed_to only applies to conversation.updated rules"))
    value, message = _check_value(field, op, data.get("value"))
    if message:
        err(".value", message)
    return (Condition(field.name, op, value) if not errors else None), errors


def validate_rule(data: Mapping[str, Any]) -> Rule:
    """Parse a rule's JSON into a `Rule`, or raise `RuleError` listing every problem.

    Shape: {"id"?, "name", "trigger", "match"?: "all"|"any", "conditions": [{"field","op","value"}],
    "actions": [{"type", ...params}], "enabled"?: true, "order"?: 0}. Unknown top-level keys are ignored.
    """
    if not isinstance(data, Mapping):
        raise RuleError([{"path": "", "message": N_("a rule must be an object")}])
    errors: list[dict[str, str]] = []

    def err(path: str, message: str) -> None:
        errors.append({"path": path, "message": message})

    rule_id = data.get("id")
    if rule_id is not None and (isinstance(rule_id, bool) or not isinstance(rule_id, int)):
        err("id", N_("id must be an integer"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        err("name", N_("a rule needs a name"))
    elif len(name) > MAX_NAME:
        err("name", N_("name must be at most %(n)s characters", n=MAX_NAME))
    trigger = data.get("trigger")
    if trigger not in TRIGGERS:
        err("trigger", N_("trigger must be one of: %(choices)s", choices=", ".join(TRIGGERS)))
    match = data.get("match", "all")
    if match not in ("all", "any"):
        err("match", N_("match must be 'all' or 'any'"))
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        err("enabled", N_("enabled must be true or false"))
    order = data.get("order", data.get("position", 0))  # the inbox table calls it "position"
    if isinstance(order, bool) or not isinstance(order, int):
        err("order", N_("order must be an integer"))

    conditions: list[Condition] = []
    raw_conditions = data.get("conditions", [])
    if not isinstance(raw_conditions, list | tuple):
        err("conditions", N_("conditions must be a list"))
        raw_conditions = []
    for i, raw in enumerate(raw_conditions):
        cond, cond_errors = validate_condition(
            raw, trigger if trigger in TRIGGERS else None, f"conditions[{i}]"
        )
        errors.extend(cond_errors)
        if cond is not None:
            conditions.append(cond)

    actions: list[Action] = []
    raw_actions = data.get("actions")
    if not isinstance(raw_actions, list | tuple) or not raw_actions:
        err("actions", N_("a rule needs at least one action"))
        raw_actions = raw_actions if isinstance(raw_actions, list | tuple) else []
    for i, raw in enumerate(raw_actions):
        kind, params, action_errors = validate_action(raw)
        for sub, message in action_errors:
            err(f"actions[{i}]{sub}", message)
        if not action_errors:
            actions.append(Action(kind, params))

    if errors:
        raise RuleError(errors)
    return Rule(
        id=rule_id,
        name=name.strip(),
        trigger=trigger,
        conditions=tuple(conditions),
        actions=tuple(actions),
        match=match,
        enabled=enabled,
        order=order,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def condition_to_dict(condition: Condition) -> dict[str, Any]:
    """A condition as stored JSON."""
    return {"field": condition.field, "op": canonical_op(condition.op), "value": _jsonable(condition.value)}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as the JSON `validate_rule` accepts (and the inbox stores)."""
    return {
        "id": rule.id,
        "name": rule.name,
        "trigger": rule.trigger,
        "match": rule.match,
        "conditions": [condition_to_dict(c) for c in rule.conditions],
        "actions": [{"type": a.type, **{k: _jsonable(v) for k, v in a.params.items()}} for a in rule.actions],
        "enabled": rule.enabled,
        "order": rule.order,
    }
