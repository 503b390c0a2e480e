"""Rules compiled once into prepared predicates, so `evaluate` does per message only what depends on the facts.

A prepared condition has its operator resolved, its comparison value coerced
(case-folded, converted to float, regex compiled), and its fact reader chosen
once. It gives exactly what `escalation.rules.check` gives for the same
condition: anything unusual (a condition that is not a `Condition`, a field or
operator that is not a string, a rule whose `match` is not a string or whose
conditions are not a tuple) is not prepared and runs through the per-condition
reference code instead, so odd rules behave as before.

Prepared rules are cached by identity (rules are frozen dataclasses, and rules
loaded from the database carry list values, so they are often unhashable): an
entry lives as long as its rule object, through a weak reference. A condition
value is therefore read once per rule object: a list inside a rule must not be
mutated after the rule is first evaluated (build a new Rule instead).

Within one message each typed fact is read once and each distinct condition
(same field, operator and simple value) is tested once, shared by the rules that
hold it. `plan` keeps, for a list of rules given again and again (a batch), the
enabled rules of a trigger already sorted and prepared.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from escalation import operators as _ops
from escalation.fields import BOOL, ENUM, FIELDS, ID, LIST, NUMBER, STRING, TEXT
from escalation.operators import (
    _NEGATIVE,
    _POSITIVE,
    _contains,
    _equals,
    _in,
    _items,
    canonical_op,
    changed_to,
    compile_pattern,
    is_number,
)
from escalation.types import Condition, Matched, Rule

Test = Callable[[Any], bool]


# --- fact readers: `escalation.operators.coerce` specialised per field type ---


def _as_str(raw: Any) -> Any:
    return raw if isinstance(raw, str) else None


def _as_number(raw: Any) -> Any:
    if raw is None or not is_number(raw):
        return None
    try:
        if isinstance(raw, Decimal | Fraction):
            raw = float(raw)
        return raw if math.isfinite(raw) else None
    except (OverflowError, ValueError):  # an int too large for a float, as in `coerce`
        return None


def _as_bool(raw: Any) -> Any:
    return raw if isinstance(raw, bool) else None


def _as_id(raw: Any) -> Any:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isdecimal() and len(raw) < 20:
        return int(raw)
    return None


def _as_list(raw: Any) -> Any:
    if isinstance(raw, list | tuple | set | frozenset):
        return tuple(x for x in raw if isinstance(x, str))
    return None


def _as_is(raw: Any) -> Any:
    return raw


_COERCERS: dict[str, Callable[[Any], Any]] = {
    TEXT: _as_str,
    STRING: _as_str,
    ENUM: _as_str,
    NUMBER: _as_number,
    BOOL: _as_bool,
    ID: _as_id,
    LIST: _as_list,
}


def _coercer(name: str) -> Callable[[Any], Any]:
    field = FIELDS.get(name)
    return _COERCERS.get(field.type, _as_is) if field else _as_is


# --- tests of one seen value, with the condition's value prepared once ---


def _never(seen: Any) -> bool:
    return False


def _prepare_equals(value: Any) -> Test:
    if isinstance(value, str):
        folded = value.casefold()

        def equals_str(seen: Any) -> bool:
            if isinstance(seen, str):
                return seen.casefold() == folded
            return _equals(seen, value)

        return equals_str
    return lambda seen: _equals(seen, value)


def _prepare_in(value: Any) -> Test:
    items = _items(value)
    if items and all(isinstance(v, str) for v in items):
        folded = frozenset(v.casefold() for v in items)

        def in_str(seen: Any) -> bool:
            if isinstance(seen, str):
                return seen.casefold() in folded
            return _in(seen, value)

        return in_str
    return lambda seen: _in(seen, value)


def _prepare_contains(value: Any) -> Test:
    needles = tuple(v.casefold() for v in _items(value) if isinstance(v, str))

    def contains(seen: Any) -> bool:
        if isinstance(seen, str):
            text = seen.casefold()
            return any(n in text for n in needles)
        if isinstance(seen, tuple):
            return _contains(seen, value)
        return False

    return contains


def _prepare_matches(value: Any) -> Test:
    if not isinstance(value, str) or len(value) > _ops.MAX_PATTERN_LENGTH:
        return _never
    try:
        compiled = compile_pattern(value)
    except Exception:  # an unreadable pattern never matches
        return _never
    if _ops._regex is not None and not isinstance(compiled, re.Pattern):

        def matches_timed(seen: Any) -> bool:
            if not isinstance(seen, str):
                return False
            try:
                return (
                    compiled.search(seen[: _ops.MAX_MATCH_INPUT], timeout=_ops.MATCH_TIMEOUT_SECONDS)
                    is not None
                )
            except TimeoutError:
                return False

        return matches_timed

    def matches(seen: Any) -> bool:
        return isinstance(seen, str) and compiled.search(seen[: _ops.MAX_MATCH_INPUT]) is not None

    return matches


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _prepare_compare(op: str, value: Any, numeric: bool) -> Test:
    if not is_number(value):
        return _never
    try:
        limit = float(value)
    except Exception:
        return _never
    if numeric:  # a number field reads as None or an int / float, never a bool
        if op == "gt":
            return lambda seen: seen is not None and float(seen) > limit
        if op == "gte":
            return lambda seen: seen is not None and float(seen) >= limit
        if op == "lt":
            return lambda seen: seen is not None and float(seen) < limit
        return lambda seen: seen is not None and float(seen) <= limit
    if op == "gt":
        return lambda seen: is_number(seen) and float(seen) > limit
    if op == "gte":
        return lambda seen: is_number(seen) and float(seen) >= limit
    if op == "lt":
        return lambda seen: is_number(seen) and float(seen) < limit
    return lambda seen: is_number(seen) and float(seen) <= limit


def _prepare_between(value: Any) -> Test:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return _never
    lo, hi = value
    if not (is_number(lo) and is_number(hi)):
        return _never
    try:
        low, high = float(lo), float(hi)
    except Exception:
        return _never
    return lambda seen: is_number(seen) and low <= float(seen) <= high


def _prepare_is_set(value: Any) -> Test:
    try:
        wanted = True if value is None else bool(value)
    except Exception:
        return _never

    def is_set(seen: Any) -> bool:
        present = seen is not None and seen != "" and seen != ()
        return present is wanted

    return is_set


def _prepare_test(op: str, value: Any, numeric: bool = False) -> Test | None:
    """A test of the seen value (may raise: callers treat an exception as "does not hold").

    `numeric`: the seen value is read by `_as_number` (None, or an int or float).
    """
    if op == "equals":
        return _prepare_equals(value)
    if op == "in":
        return _prepare_in(value)
    if op == "contains":
        return _prepare_contains(value)
    if op == "matches":
        return _prepare_matches(value)
    if op in _COMPARE:
        return _prepare_compare(op, value, numeric)
    if op == "between":
        return _prepare_between(value)
    if op == "is_set":
        return _prepare_is_set(value)
    if op in _POSITIVE:  # pragma: no cover - every positive operator is prepared above
        check = _POSITIVE[op]
        return lambda seen: check(seen, value)
    return None


# --- prepared conditions ---

# A step is `(condition, fact name, reader, test)`: `reader(facts)` gives the typed
# value seen (read once per message and shared by the rules), and `test(seen)`
# whether the condition holds (an exception means it does not). A step whose
# test is None is a whole predicate in `reader`: `(facts, previous) -> Matched | None`
# (`changed_to`, and conditions run through the reference code).
Step = tuple[Any, str, Callable[..., Any], "Test | None"]


def _reference(condition: Any) -> Step:
    from escalation.rules import check  # the per-condition reference code

    return (condition, "", lambda facts, previous: check(condition, facts, previous), None)


def _reader(name: str) -> Callable[[Mapping[str, Any]], Any]:
    coerce = _coercer(name)

    def read(facts: Mapping[str, Any]) -> Any:
        try:
            raw = facts.get(name)
        except Exception:  # a hostile Mapping must not stop the other rules
            return None
        return coerce(raw)

    return read


def prepare_condition(condition: Any) -> Step:
    """The step for `condition`: the same outcome as `escalation.rules.check`."""
    if type(condition) is not Condition or type(condition.field) is not str or type(condition.op) is not str:
        return _reference(condition)
    name, value = condition.field, condition.value
    op = canonical_op(condition.op)
    read = _reader(name)

    if op == "changed_to":
        field = FIELDS.get(name)
        list_field = field.type == LIST if field else None

        def changed(facts: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Matched | None:
            seen = read(facts)
            if previous is None:
                return None
            try:
                known = name in previous
            except Exception:
                return None
            if not known:  # no "before" value: we cannot say it changed
                return None
            before = read(previous)
            is_list = isinstance(seen, tuple) if list_field is None else list_field
            if changed_to(seen, before, value, is_list):
                return Matched(condition, seen, before)
            return None

        return (condition, name, changed, None)

    key = _value_key(value)
    if key is not None:
        shared = _TESTS.get((name, op, key))
        if shared is not None:
            return (condition, name, read, shared)
    if op in _NEGATIVE:
        positive = _prepare_test(_NEGATIVE[op], value)
        assert positive is not None

        def negated(seen: Any) -> bool:
            return not positive(seen)

        test: Test = negated
    else:
        test = (
            _prepare_test(op, value, _coercer(name) is _as_number) or _never
        )  # unknown operator: never holds
    if test is _never:  # one per fact name, so the fact is still read as the reference code reads it
        test = _TESTS.get((name, "", None)) or _never_on(name)
    elif key is not None:
        _TESTS[(name, op, key)] = test
    return (condition, name, read, test)


def _never_on(name: str) -> Test:
    def never(seen: Any) -> bool:
        return False

    _TESTS[(name, "", None)] = never
    return never


# Equal conditions of different rules share one test, so a message runs it once.
_TESTS: weakref.WeakValueDictionary[tuple[str, str, Any], Test] = weakref.WeakValueDictionary()
_SIMPLE = (str, int, float, bool, type(None))


def _value_key(value: Any) -> Any:
    """A key equal only for values every operator treats the same, or None (not shared)."""
    kind = type(value)
    if kind in _SIMPLE:
        return (kind, value)
    if (kind is tuple or kind is list) and all(type(v) is str for v in value):
        return (kind, tuple(value))
    return None


# --- prepared rules, cached by identity ---

_UNSET: Any = object()


class PreparedRule:
    """A rule's conditions as prepared steps; `matches` is `escalation.rules.matches` for it.

    Keeps no reference to the rule itself, so its cache entry dies with the rule.
    """

    __slots__ = ("any", "steps")

    def __init__(self, rule: Rule) -> None:
        self.any = rule.match == "any"
        self.steps = tuple(prepare_condition(c) for c in rule.conditions)

    def matches(
        self, facts: Mapping[str, Any], previous: Mapping[str, Any] | None, memo: dict[Any, Any]
    ) -> tuple[Matched, ...] | None:
        """The conditions that held, or None.

        `memo` lives for one message: typed facts by name, and test results by test.
        """
        steps = self.steps
        if not steps:
            return ()
        if self.any:
            held = []
            for condition, name, read, test in steps:
                if test is None:
                    m = read(facts, previous)
                    if m is not None:
                        held.append(m)
                    continue
                ok = memo.get(test)
                if ok is None:  # not yet run on this message (the same as `_run`, inlined)
                    seen = memo.get(name, _UNSET)
                    if seen is _UNSET:
                        seen = memo[name] = read(facts)
                    try:
                        ok = bool(test(seen))
                    except Exception:  # one malformed condition must not stop the rule run
                        ok = False
                    memo[test] = ok
                if ok:
                    held.append(Matched(condition, memo[name]))
            return tuple(held) if held else None
        found = []
        for _condition, name, read, test in steps:
            if test is None:
                m = read(facts, previous)
                if m is None:
                    return None
                found.append(m)
                continue
            ok = memo.get(test)
            if ok is None:  # as `_run`, inlined
                seen = memo.get(name, _UNSET)
                if seen is _UNSET:
                    seen = memo[name] = read(facts)
                try:
                    ok = bool(test(seen))
                except Exception:
                    ok = False
                memo[test] = ok
            if not ok:
                return None
        if not found:
            return tuple([Matched(condition, memo[name]) for condition, name, _read, _test in steps])
        made = iter(found)
        return tuple(
            next(made) if test is None else Matched(condition, memo[name])
            for condition, name, _read, test in steps
        )


_CACHE: dict[int, tuple[weakref.ref[Any], PreparedRule]] = {}


def _forget(key: int, ref: weakref.ref[Any]) -> None:
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is ref:
        _CACHE.pop(key, None)


def prepared(rule: Rule) -> PreparedRule | None:
    """The prepared form of `rule` (built once per rule object), or None when it cannot be prepared."""
    key = id(rule)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is rule:
        return entry[1]
    if type(rule) is not Rule or type(rule.conditions) is not tuple or type(rule.match) is not str:
        return None
    compiled = PreparedRule(rule)
    try:
        ref = weakref.ref(rule, partial(_forget, key))
    except TypeError:  # pragma: no cover - Rule instances take weak references
        return compiled
    _CACHE[key] = (ref, compiled)
    return compiled


def cache_clear() -> None:
    """Forget every prepared rule and plan (they are rebuilt on next use)."""
    _CACHE.clear()
    _PLANS.clear()


# --- evaluation plans: the rules of one trigger, ordered and prepared ---

# key: the trigger and the id of every rule given; value: those rules (held, so no
# id in the key can pass to another object while the entry lives) and the plan
_PLANS: dict[tuple[Any, ...], tuple[tuple[Rule, ...], list[tuple[Rule, PreparedRule | None]]]] = {}
MAX_PLANS = 16


def plan(rules: Any, trigger: str, order: Callable[[Any], Any]) -> list[tuple[Rule, PreparedRule | None]]:
    """The enabled rules of `trigger` sorted by `order` (ties in given order), each with its prepared form.

    For a list or tuple of `Rule`s the plan is kept, keyed by the identity of
    each rule given (the entry holds them all, so their ids stay theirs), so a batch
    evaluating the same rules for many messages sorts and looks them up once.
    """
    key = None
    if type(rules) is list or type(rules) is tuple:
        key = (trigger, *map(id, rules))
        found = _PLANS.get(key)
        if found is not None:
            return found[1]
        if not all(type(rule) is Rule for rule in rules):
            key = None
    made = []
    for rule in sorted(rules, key=order):
        if not rule.enabled or rule.trigger != trigger:
            continue
        made.append((rule, prepared(rule)))
    if key is not None:
        if len(_PLANS) >= MAX_PLANS:
            _PLANS.clear()
        _PLANS[key] = (tuple(rules), made)
    return made
