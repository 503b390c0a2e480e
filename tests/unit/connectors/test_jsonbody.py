"""Nesting-limited JSON: the same values as json.loads for ordinary bodies, a PayloadError for hostile ones."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import PayloadError
from connectors.jsonbody import MAX_DEPTH, depth, loads

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=30,
)


def nesting(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    return 0


@given(json_values)
def test_depth_counts_levels_and_ignores_brackets_inside_strings(value):
    raw = json.dumps(value).encode()
    assert depth(raw) == nesting(value)
    if nesting(value) <= MAX_DEPTH:
        assert loads(raw) == value


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_deep_bodies_are_a_payload_error_not_a_recursion_error(levels):
    with pytest.raises(PayloadError, match="nested deeper"):
        loads(b"[" * levels + b"]" * levels)
    with pytest.raises(PayloadError, match="nested deeper"):
        loads(b'{"a":' * levels + b"1" + b"}" * levels)


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1e400", b"[1", b"\xff"])
def test_numbers_json_cannot_hold_and_broken_text_are_refused(raw):
    with pytest.raises(PayloadError, match="not valid JSON"):
        loads(raw)


def test_an_unterminated_string_of_escaped_quotes_is_scanned_in_linear_time():
    raw = b'"' + b'\\"' * 500_000  # every quote escaped: one string that never ends
    assert depth(raw) == 0
