"""Every operator and every alias, with rows exactly on each boundary, through all three paths.

The same table runs through the leaf's `operators.test`, the per-condition reference
(`rules.check`) and the prepared evaluator (`evaluate`), so a changed comparison (`>` for
`>=`, a lower bound made strict, a fallback equality negated) fails here whichever path it is
in, and no kill depends on what a random search happens to draw.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from escalation import Action, Condition, Rule, evaluate, operators
from escalation.operators import ALIASES, OPERATORS, canonical_op, read_fact, search
from escalation.rules import check
from tests.standins.testing import needs

N = "author.followers"  # a NUMBER field
S = "message.sentiment"  # a NUMBER field with negative values
T = "message.text"  # TEXT
E = "conversation.status"  # ENUM
L = "conversation.labels"  # LIST
I = "conversation.assignee_id"  # noqa: E741 - ID
B = "customer.vip"  # BOOL
C = "custom.plan"  # not a known field: compared as given

# (field, operator as written, condition value, fact value or MISSING, expected)
MISSING = object()
TABLE = [
    # gt / is_greater_than: the boundary itself does not hold
    (N, "gt", 100, 101, True),
    (N, "gt", 100, 100, False),
    (N, "gt", 100, 99, False),
    (N, "is_greater_than", 100, 100, False),
    (N, "is_greater_than", 100, 100.5, True),
    (S, "gt", -0.5, -0.5, False),
    (S, "gt", -0.5, -0.49, True),
    # gte: the boundary holds
    (N, "gte", 100, 100, True),
    (N, "gte", 100, 99, False),
    (N, "gte", 100, 99.999, False),
    (S, "gte", -0.5, -0.5, True),
    # lt / is_less_than: the boundary itself does not hold
    (N, "lt", 100, 99, True),
    (N, "lt", 100, 100, False),
    (N, "lt", 100, 101, False),
    (N, "is_less_than", 100, 100, False),
    (N, "is_less_than", 100, 99.5, True),
    (S, "lt", -0.5, -0.5, False),
    (S, "lt", -0.5, -0.51, True),
    # lte: the boundary holds
    (N, "lte", 100, 100, True),
    (N, "lte", 100, 101, False),
    (S, "lte", -0.5, -0.5, True),
    # comparisons need numbers on both sides; a missing fact never compares
    (N, "gt", 100, MISSING, False),
    (N, "lt", 100, MISSING, False),
    (N, "gt", "50", 100, False),
    (N, "lte", 100, True, False),  # a bool is not a number
    (N, "gte", 100, Decimal("100"), True),
    (N, "lt", 100, Fraction(199, 2), True),
    # between: both bounds inclusive
    (N, "between", (10, 20), 10, True),
    (N, "between", (10, 20), 20, True),
    (N, "between", (10, 20), 15, True),
    (N, "between", (10, 20), 9.999, False),
    (N, "between", (10, 20), 20.001, False),
    (N, "between", [10, 20], 10, True),
    (N, "between", (20, 10), 15, False),  # an empty range holds nothing
    (N, "between", (10,), 10, False),
    (N, "between", (10, 20, 30), 10, False),
    (N, "between", (10, "20"), 10, False),
    (N, "between", ("10", 20), 10, False),
    (N, "between", 10, 10, False),
    (N, "between", (10, 20), MISSING, False),
    # equals / eq / equal_to, and the negations ne / not_equals / not_equal_to
    (E, "equals", "open", "open", True),
    (E, "equals", "open", "OPEN", True),
    (E, "eq", "open", "pending", False),
    (E, "equal_to", "Open", "open", True),
    (E, "equals", "open", MISSING, False),
    (E, "not_equals", "open", "open", False),
    (E, "ne", "open", "pending", True),
    (E, "not_equal_to", "open", MISSING, True),  # the exact negation: a missing fact is not equal
    (N, "equals", 100, 100.0, True),
    (N, "equals", 100, 100.5, False),
    (I, "equals", 7, "7", True),
    (I, "equals", 7, 8, False),
    (B, "equals", True, True, True),
    (B, "equals", True, False, False),
    (B, "equals", True, 1, False),  # not a bool: unreadable, so not equal
    (C, "equals", 1, True, False),  # the bool fallback: 1 is not True
    (C, "equals", ["a"], ["a"], True),  # the plain == fallback
    (C, "equals", ["a"], ["b"], False),
    (C, "not_equals", ["a"], ["b"], True),
    (L, "equals", ["billing", "legal"], ["Legal", "billing"], True),
    (L, "equals", ["billing"], ["billing", "legal"], False),
    # in / not_in / nin
    (E, "in", ("open", "pending"), "pending", True),
    (E, "in", ("open", "pending"), "resolved", False),
    (E, "in", "open", "open", True),  # one value is a list of one
    (E, "in", ("open",), MISSING, False),
    (E, "not_in", ("open", "pending"), "resolved", True),
    (E, "not_in", ("open", "pending"), "open", False),
    (E, "nin", ("open",), "OPEN", False),
    (E, "nin", ("open",), MISSING, True),
    (L, "in", ("legal", "vip"), ["billing", "vip"], True),
    (L, "in", ("legal",), ["billing"], False),
    # contains / not_contains / does_not_contain
    (T, "contains", "refund", "I want a REFUND now", True),
    (T, "contains", "refund", "I want my money", False),
    (T, "contains", ("lawyer", "refund"), "Refund please", True),
    (T, "contains", "refund", MISSING, False),
    (T, "contains", 5, "5 items", False),  # only text is looked for in text
    (L, "contains", "legal", ["billing", "Legal"], True),
    (L, "contains", "legal", ["billing"], False),
    (T, "not_contains", "refund", "thanks", True),
    (T, "does_not_contain", "refund", "a refund", False),
    (T, "does_not_contain", "refund", MISSING, True),
    # matches / regex: case-insensitive search, not a full match
    (T, "matches", r"order #\d+", "about ORDER #4821 please", True),
    (T, "matches", r"^order", "my order", False),
    (T, "regex", r"re(fund|turn)", "a RETURN label", True),
    (T, "matches", r"[unclosed", "[unclosed", False),  # a bad pattern holds nothing
    (T, "matches", "x" * 501, "x" * 501, False),  # longer than MAX_PATTERN_LENGTH
    (T, "matches", "x" * 500, "x" * 500, True),  # exactly the limit is allowed
    (T, "matches", "a", MISSING, False),
    # is_set / is_present
    (I, "is_set", True, 3, True),
    (I, "is_set", True, MISSING, False),
    (I, "is_set", None, 3, True),  # no value means "is set"
    (I, "is_set", False, MISSING, True),
    (I, "is_set", False, 3, False),
    (T, "is_present", True, "", False),
    (T, "is_present", True, "x", True),
    (L, "is_set", True, [], False),
    (L, "is_set", True, ["a"], True),
    # ids: decimal text under 20 digits reads as an id, 20 digits do not
    (I, "equals", 1234567890123456789, "1234567890123456789", True),
    (I, "is_set", True, "12345678901234567890", False),
    # unknown fields are compared as given: exact number equality across types, no text numbers
    (C, "equals", 0.1, Decimal("0.1"), True),
    (C, "equals", (1, 2), (2, 1), True),  # a tuple fact equals a list value in any order
    (C, "in", ("open", None), "pending", False),  # None in the values equals only a missing fact
    (C, "between", (1, 2), "1.5", False),  # text is not a number, even when it reads as one
    (C, "gt", 1, "2", False),
    # unknown operators never hold
    (T, "frobnicate", "x", "x", False),
    (T, "", "x", "x", False),
]


def _facts(field: str, fact: object) -> dict:
    return {} if fact is MISSING else {field: fact}


@pytest.mark.parametrize(("field", "op", "value", "fact", "expected"), TABLE)
def test_reference_operators(field, op, value, fact, expected) -> None:
    seen = read_fact(_facts(field, fact), field)
    assert operators.test(op, seen, value) is expected
    assert (check(Condition(field, op, value), _facts(field, fact)) is not None) is expected


@pytest.mark.parametrize(("field", "op", "value", "fact", "expected"), TABLE)
def test_prepared_evaluator(field, op, value, fact, expected) -> None:
    rule = Rule(1, "r", "message.created", (Condition(field, op, value),), (Action("resolve"),))
    fired = evaluate([rule], _facts(field, fact), "message.created")
    assert bool(fired) is expected
    if expected:
        [firing] = fired
        seen = read_fact(_facts(field, fact), field)
        assert firing.matched[0].seen == seen and firing.matched[0].condition.op == op


def test_the_table_covers_every_operator_and_alias() -> None:
    used = {op for _, op, *_ in TABLE}
    assert set(OPERATORS) - {"changed_to"} <= used  # changed_to has its own tests (needs "before")
    assert set(ALIASES) <= used


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("eq", "equals"),
        ("ne", "not_equals"),
        ("nin", "not_in"),
        ("equal_to", "equals"),
        ("not_equal_to", "not_equals"),
        ("does_not_contain", "not_contains"),
        ("is_greater_than", "gt"),
        ("is_less_than", "lt"),
        ("is_present", "is_set"),
        ("regex", "matches"),
        ("gte", "gte"),
        ("frobnicate", "frobnicate"),
    ],
)
def test_canonical_names(alias: str, canonical: str) -> None:
    assert canonical_op(alias) == canonical


def test_canonical_name_of_a_non_string_is_its_text() -> None:
    assert canonical_op(["gt"]) == "['gt']"  # type: ignore[arg-type]


def test_search_finds_and_misses() -> None:
    assert search("b+", "aaabbb") is True
    assert search("z", "aaabbb") is False


RUNAWAY = (r"(\w+\s?)+$", "ab " * 3000 + "!")  # catastrophic backtracking on a cut input


@pytest.mark.skipif(operators._regex is None, reason=needs("the regex package, which stops a runaway search"))
def test_a_runaway_search_on_the_reference_path_is_stopped_and_does_not_match() -> None:
    pattern, text = RUNAWAY
    assert search(pattern, text) is False
    assert operators.test("matches", text, pattern) is False


def test_without_the_regex_package_the_stdlib_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operators, "_regex", None)
    operators.compile_pattern.cache_clear()
    try:
        assert search("B+", "aaabbb") is True and search("z", "aaabbb") is False
        assert operators.test("matches", "Order #12", r"order #\d+") is True
    finally:
        operators.compile_pattern.cache_clear()


class Boom:
    """A fact whose comparison raises: one odd value must not stop (or fire) a rule."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no")

    __hash__ = object.__hash__


def test_a_comparison_that_raises_does_not_hold() -> None:
    assert operators.test("equals", Boom(), "x") is False
    assert operators.test("not_equals", Boom(), "x") is False  # neither holds: it is unknown
    assert operators.changed_to(Boom(), "a", "x", False) is False
