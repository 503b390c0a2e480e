"""Operators: how one condition is tested against one fact.

Every operator is total: a missing or wrongly typed fact never raises, it is
"not set". Negative operators are the exact negation of their positive twin,
so `not_equals` holds for a missing fact. String comparisons ignore case,
because supervisors type "Refund" and customers write "refund".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from escalation.fields import BOOL, ENUM, FIELDS, ID, LIST, NUMBER, STRING, TEXT

# Short and Chatwoot-style spellings kept working; rules are stored with canonical names.
ALIASES: dict[str, str] = {
    "eq": "equals",
    "ne": "not_equals",
    "nin": "not_in",
    "equal_to": "equals",
    "not_equal_to": "not_equals",
    "does_not_contain": "not_contains",
    "is_greater_than": "gt",
    "is_less_than": "lt",
    "is_present": "is_set",
    "regex": "matches",
}

OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "is_set",
    "changed_to",
)

try:  # the `regex` package can stop a runaway match; the stdlib `re` cannot
    import regex as _regex
except ImportError:  # pragma: no cover - exercised only where regex is not installed
    _regex = None

# Guards against catastrophic regex cost: patterns are short, inputs are cut, and
# with `regex` installed each search is stopped after MATCH_TIMEOUT_SECONDS
# (a stopped search does not match). Stdlib `re` cannot be stopped, so without
# `regex` the input is cut much shorter. Validation also rejects nested repeats.
MAX_PATTERN_LENGTH = 500
MAX_MATCH_INPUT = 10_000 if _regex is not None else 2_000
MATCH_TIMEOUT_SECONDS = 0.05

_MISSING = None


def canonical_op(op: str) -> str:
    """The canonical name of an operator (aliases resolved); unknown names pass through.

    A non-string (an operator given as a list, say) is unknown too, never an error here."""
    return ALIASES.get(op, op) if isinstance(op, str) else str(op)


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """Compile once, case-insensitive, `re` syntax; the cache makes 100 rules x N messages cheap.

    Raises `re.error` for a pattern the stdlib cannot read, so what validates
    does not depend on whether `regex` is installed.
    """
    compiled = re.compile(pattern, re.IGNORECASE)
    if _regex is None:
        return compiled
    try:
        return _regex.compile(pattern, _regex.IGNORECASE | _regex.VERSION0)
    except Exception:  # a corner of syntax regex reads differently: keep re
        return compiled


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` occurs in `text` (cut to MAX_MATCH_INPUT); a timed-out search is False."""
    compiled = compile_pattern(pattern)
    text = text[:MAX_MATCH_INPUT]
    if _regex is not None and not isinstance(compiled, re.Pattern):
        try:
            return compiled.search(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            return False
    return compiled.search(text) is not None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal | Fraction) and not isinstance(value, bool)


def coerce(field_type: str | None, raw: Any) -> Any:
    """Bring a raw fact to its field's type, or None when it cannot be read as one."""
    if raw is None or field_type is None:
        return raw
    if field_type in (TEXT, STRING, ENUM):
        return raw if isinstance(raw, str) else _MISSING
    if field_type == NUMBER:
        if not is_number(raw):
            return _MISSING
        try:
            if isinstance(raw, Decimal | Fraction):
                raw = float(raw)
            return raw if math.isfinite(raw) else _MISSING
        except (OverflowError, ValueError):  # an int too large for a float is not a usable number
            return _MISSING
    if field_type == BOOL:
        return raw if isinstance(raw, bool) else _MISSING
    if field_type == ID:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.isdecimal() and len(raw) < 20:
            return int(raw)
        return _MISSING
    if field_type == LIST:
        if isinstance(raw, list | tuple | set | frozenset):
            return tuple(x for x in raw if isinstance(x, str))
        return _MISSING
    return raw


def read_fact(facts: Mapping[str, Any], name: str) -> Any:
    """The typed value of fact `name`, or None when absent or unreadable."""
    try:
        raw = facts.get(name)
    except Exception:  # a hostile Mapping must not stop the other rules
        return _MISSING
    field = FIELDS.get(name)
    return coerce(field.type if field else None, raw)


def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if is_number(a) and is_number(b):
        return float(a) == float(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _items(value: Any) -> tuple[Any, ...]:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return (value,)


def _equals(seen: Any, value: Any) -> bool:
    if isinstance(seen, tuple):  # a list fact equals a list value, order-insensitive
        return {_fold(x) for x in seen} == {_fold(x) for x in _items(value)}
    return seen is not None and _same(seen, value)


def _in(seen: Any, value: Any) -> bool:
    if seen is None:
        return False
    if isinstance(seen, tuple):  # list fact: any label among the values
        return any(_same(s, v) for s in seen for v in _items(value))
    return any(_same(seen, v) for v in _items(value))


def _contains(seen: Any, value: Any) -> bool:
    if isinstance(seen, tuple):
        return any(_same(s, v) for s in seen for v in _items(value))
    if isinstance(seen, str):
        text = seen.casefold()
        return any(isinstance(v, str) and v.casefold() in text for v in _items(value))
    return False


def _matches(seen: Any, value: Any) -> bool:
    if not isinstance(seen, str) or not isinstance(value, str) or len(value) > MAX_PATTERN_LENGTH:
        return False
    try:
        return search(value, seen)
    except re.error:
        return False


# The four comparisons are spelled out (not built by a factory at import) so each one's
# comparison is a line of its own that mutation testing can change and the tests must notice.
def _gt(seen: Any, value: Any) -> bool:
    return is_number(seen) and is_number(value) and float(seen) > float(value)


def _gte(seen: Any, value: Any) -> bool:
    return is_number(seen) and is_number(value) and float(seen) >= float(value)


def _lt(seen: Any, value: Any) -> bool:
    return is_number(seen) and is_number(value) and float(seen) < float(value)


def _lte(seen: Any, value: Any) -> bool:
    return is_number(seen) and is_number(value) and float(seen) <= float(value)


def _between(seen: Any, value: Any) -> bool:
    if not is_number(seen) or not isinstance(value, list | tuple) or len(value) != 2:
        return False
    lo, hi = value
    return is_number(lo) and is_number(hi) and float(lo) <= float(seen) <= float(hi)


def _is_set(seen: Any, value: Any) -> bool:
    present = seen is not None and seen != "" and seen != ()
    wanted = True if value is None else bool(value)
    return present is wanted


_POSITIVE: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "in": _in,
    "contains": _contains,
    "matches": _matches,
    "gt": _gt,
    "gte": _gte,
    "lt": _lt,
    "lte": _lte,
    "between": _between,
    "is_set": _is_set,
}
_NEGATIVE = {"not_equals": "equals", "not_in": "in", "not_contains": "contains"}


def test(op: str, seen: Any, value: Any) -> bool:
    """Whether `seen op value` holds; unknown operators and odd values do not hold."""
    op = canonical_op(op)
    try:
        if op in _NEGATIVE:
            return not _POSITIVE[_NEGATIVE[op]](seen, value)
        check = _POSITIVE.get(op)
        return bool(check(seen, value)) if check else False
    except Exception:  # one malformed condition must not stop the rule run
        return False


def changed_to(seen: Any, before: Any, value: Any, is_list: bool) -> bool:
    """The fact became `value`: equal now and not before (for a list: the item was added)."""
    try:
        if is_list:
            now = isinstance(seen, tuple) and _contains(seen, value)
            was = isinstance(before, tuple) and _contains(before, value)
            return now and not was
        return _equals(seen, value) and not _equals(before, value)
    except Exception:
        return False
