"""JSON bodies read with a nesting limit, so a deeply nested body is a PayloadError, not a RecursionError.

Python's `json` recurses once per level: a body nested 100,000 levels deep exhausts the stack
before any of our checks runs. `depth` counts the levels in one linear pass over the raw bytes
(strings skipped, so brackets inside them do not count) and `loads` refuses a body deeper than
`MAX_DEPTH` before the parser sees it. No real delivery of any network nests anywhere near it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from connectors.errors import PayloadError

MAX_DEPTH = 64

# A string (possessive, and its closing quote optional, so an unterminated one costs one pass, not
# one per quote) or one bracket. Everything else is skipped by finditer.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"?|[\[\]{}]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


def depth(raw: bytes, stop_above: int | None = None) -> int:
    """How deeply the JSON text `raw` nests arrays and objects (0 for a scalar); the count stops
    early once it passes `stop_above`, so refusing a hostile body costs no more than the limit."""
    level = deepest = 0
    for m in _TOKEN.finditer(raw):
        c = raw[m.start()]
        if c in _OPEN:
            level += 1
            if level > deepest:
                deepest = level
                if stop_above is not None and deepest > stop_above:
                    break
        elif c in _CLOSE:
            level -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as inf, which no database column or JSON can hold
        raise ValueError("number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity; JSON does not


def loads(raw: bytes | str, field: str = "body", max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON, refusing text nested deeper than `max_depth`, text that is not JSON, and
    numbers no JSON column can hold (NaN, Infinity, 1e400)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if depth(data, max_depth) > max_depth:
        raise PayloadError(field, f"nested deeper than {max_depth} levels")
    try:
        return json.loads(data, parse_float=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(field, "not valid JSON") from None
