"""First rule evaluator: conditions over flat facts, all/any."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from escalation.types import Condition, Firing, Matched, Rule

_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "gte": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "lte": lambda a, b: a is not None and a <= b,
    "in": lambda a, b: a in b,
    "contains": lambda a, b: b in (a or ""),
}


def _holds(cond: Condition, facts: Mapping[str, Any]) -> bool:
    return bool(_OPS[cond.op](facts.get(cond.field), cond.value))


def evaluate(rules: Iterable[Rule], facts: Mapping[str, Any], trigger: str) -> list[Firing]:
    """Return the enabled rules for `trigger` that match `facts`, in rule order."""
    fired = []
    for rule in sorted(rules, key=lambda r: r.order):
        if not rule.enabled or rule.trigger != trigger:
            continue
        matched = [Matched(c, facts.get(c.field)) for c in rule.conditions if _holds(c, facts)]
        ok = len(matched) == len(rule.conditions) if rule.match == "all" else bool(matched)
        if ok:
            fired.append(Firing(rule.id, rule.name, tuple(matched), rule.actions))
    return fired
