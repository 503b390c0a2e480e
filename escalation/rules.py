"""The rule evaluator: which enabled rules of a trigger match a set of facts.

Pure and total: any facts mapping and any rule (validated or not) give a list
of firings and never an exception, so one odd rule cannot stop a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from escalation.fields import FIELDS, LIST
from escalation.operators import canonical_op, changed_to, read_fact, test
from escalation.prepared import plan
from escalation.types import Condition, Firing, Matched, Rule


def check(
    condition: Condition, facts: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> Matched | None:
    """The `Matched` record if `condition` holds on `facts`, else None.

    The per-condition reference: `evaluate` runs prepared rules
    (`escalation.prepared`) that give exactly the same results.
    """
    seen = read_fact(facts, condition.field)
    if canonical_op(condition.op) == "changed_to":
        if previous is None:
            return None
        try:
            known = condition.field in previous
        except Exception:
            return None
        if not known:  # no "before" value: we cannot say it changed
            return None
        before = read_fact(previous, condition.field)
        field = FIELDS.get(condition.field)
        is_list = field.type == LIST if field else isinstance(seen, tuple)
        if changed_to(seen, before, condition.value, is_list):
            return Matched(condition, seen, before)
        return None
    if test(condition.op, seen, condition.value):
        return Matched(condition, seen)
    return None


def matches(
    rule: Rule, facts: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> tuple[Matched, ...] | None:
    """The conditions that made `rule` match, or None if it does not.

    A rule with no conditions matches every event of its trigger, whether its
    mode is "all" or "any": an empty rule means "always", never "never".
    """
    if not rule.conditions:
        return ()
    held = []
    for condition in rule.conditions:
        m = check(condition, facts, previous)
        if m is not None:
            held.append(m)
        elif rule.match != "any":
            return None
    if rule.match == "any" and not held:
        return None
    return tuple(held)


def _order(rule: Rule) -> float:
    order = getattr(rule, "order", 0)
    return order if isinstance(order, int | float) and not isinstance(order, bool) else 0


def evaluate(
    rules: Iterable[Rule],
    facts: Mapping[str, Any],
    trigger: str,
    previous: Mapping[str, Any] | None = None,
) -> list[Firing]:
    """Return the enabled rules for `trigger` that match `facts`, in stored order.

    Stored order is `rule.order`, ties kept in the order given. `previous` holds
    the facts before a `conversation.updated` change, for `changed_to`.
    Each firing lists the conditions that held with the values seen (for "all"
    every condition, for "any" those that were true).
    """
    fired: list[Firing] = []
    memo: dict[Any, Any] = {}  # typed facts and condition results, once per message for all the rules
    for rule, compiled in plan(rules, trigger, _order):
        held = (
            compiled.matches(facts, previous, memo)
            if compiled is not None
            else matches(rule, facts, previous)
        )
        if held is not None:
            fired.append(Firing(rule.id, rule.name, held, rule.actions, trigger))
    return fired
