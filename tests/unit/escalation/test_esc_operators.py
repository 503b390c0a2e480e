"""Every operator, on plain facts, through the public evaluator."""

from __future__ import annotations

import pytest

from escalation import Action, Condition, Rule, evaluate
from escalation.operators import MAX_MATCH_INPUT, _regex, compile_pattern
from tests.standins.testing import needs


def fires(field, op, value, facts, previous=None, trigger="message.created"):
    rule = Rule(1, "r", trigger, (Condition(field, op, value),), (Action("resolve"),))
    return bool(evaluate([rule], facts, trigger, previous))


@pytest.mark.parametrize(
    ("field", "op", "value", "facts", "expected"),
    [
        # equals / not_equals, with aliases
        ("message.language", "equals", "en", {"message.language": "EN"}, True),
        ("message.language", "eq", "en", {"message.language": "de"}, False),
        ("message.language", "not_equals", "en", {"message.language": "de"}, True),
        ("message.language", "ne", "en", {}, True),
        ("customer.vip", "equals", True, {"customer.vip": True}, True),
        ("customer.vip", "equals", True, {"customer.vip": 1}, False),
        ("conversation.assignee_id", "equals", 7, {"conversation.assignee_id": 7}, True),
        ("conversation.assignee_id", "equals", 7, {"conversation.assignee_id": "7"}, True),
        ("message.sentiment", "equals", 0.5, {"message.sentiment": 0.5}, True),
        # in / not_in
        ("conversation.status", "in", ("open", "pending"), {"conversation.status": "pending"}, True),
        ("conversation.status", "in", ("open", "pending"), {"conversation.status": "resolved"}, False),
        ("conversation.status", "not_in", ("open",), {"conversation.status": "resolved"}, True),
        ("conversation.status", "not_in", ("open",), {}, True),
        ("conversation.team_id", "in", (1, 2), {"conversation.team_id": 2}, True),
        (
            "conversation.labels",
            "in",
            ("legal", "press"),
            {"conversation.labels": ["billing", "press"]},
            True,
        ),
        ("conversation.labels", "not_in", ("legal",), {"conversation.labels": ["billing"]}, True),
        # contains / not_contains
        ("message.text", "contains", "refund", {"message.text": "I want a REFUND now"}, True),
        ("message.text", "contains", ("lawyer", "sue"), {"message.text": "I will sue you"}, True),
        ("message.text", "contains", "refund", {"message.text": None}, False),
        ("message.text", "not_contains", "refund", {"message.text": "thanks!"}, True),
        ("message.text", "not_contains", "refund", {"message.text": "refund please"}, False),
        ("conversation.labels", "contains", "urgent", {"conversation.labels": ["Urgent"]}, True),
        ("conversation.labels", "contains", "urgent", {"conversation.labels": ["urgently"]}, False),
        ("conversation.labels", "not_contains", "urgent", {"conversation.labels": []}, True),
        # matches
        ("message.text", "matches", r"\border\s*#?\d{5}\b", {"message.text": "Where is Order #12345?"}, True),
        ("message.text", "matches", r"^hi$", {"message.text": "hello"}, False),
        ("message.text", "regex", r"(", {"message.text": "("}, False),  # bad pattern never raises
        # comparisons
        ("message.sentiment", "lt", -0.5, {"message.sentiment": -0.7}, True),
        ("message.sentiment", "lt", -0.5, {"message.sentiment": -0.5}, False),
        ("message.sentiment", "lte", -0.5, {"message.sentiment": -0.5}, True),
        ("author.followers", "gt", 10000, {"author.followers": 10001}, True),
        ("author.followers", "gt", 10000, {"author.followers": "99999"}, False),
        ("author.followers", "gte", 10000, {"author.followers": 10000}, True),
        ("author.followers", "is_greater_than", 5, {"author.followers": 6}, True),
        ("customer.value", "gt", 100, {}, False),
        # between
        ("customer.last_csat", "between", (1, 2), {"customer.last_csat": 2}, True),
        ("customer.last_csat", "between", (1, 2), {"customer.last_csat": 3}, False),
        ("customer.last_csat", "between", (1, 2), {}, False),
        # is_set
        ("conversation.assignee_id", "is_set", True, {"conversation.assignee_id": 3}, True),
        ("conversation.assignee_id", "is_set", None, {"conversation.assignee_id": None}, False),
        ("conversation.assignee_id", "is_set", False, {}, True),
        ("conversation.labels", "is_set", True, {"conversation.labels": []}, False),
        ("message.text", "is_present", True, {"message.text": ""}, False),
    ],
)
def test_operator(field, op, value, facts, expected):
    assert fires(field, op, value, facts) is expected


def test_decimal_and_nan_facts():
    from decimal import Decimal

    assert fires("customer.value", "gt", 100, {"customer.value": Decimal("150.5")})
    assert not fires("customer.value", "gt", 100, {"customer.value": float("nan")})
    assert fires("customer.value", "not_equals", 100, {"customer.value": float("nan")})


def test_changed_to_needs_previous():
    now = {"conversation.status": "resolved"}
    assert fires(
        "conversation.status",
        "changed_to",
        "resolved",
        now,
        {"conversation.status": "open"},
        "conversation.updated",
    )
    assert not fires(
        "conversation.status",
        "changed_to",
        "resolved",
        now,
        {"conversation.status": "resolved"},
        "conversation.updated",
    )
    assert not fires("conversation.status", "changed_to", "resolved", now, None, "conversation.updated")
    assert not fires("conversation.status", "changed_to", "resolved", now, {}, "conversation.updated")


def test_changed_to_on_list_means_added():
    prev = {"conversation.labels": ["billing"]}
    assert fires(
        "conversation.labels",
        "changed_to",
        "legal",
        {"conversation.labels": ["billing", "legal"]},
        prev,
        "conversation.updated",
    )
    assert not fires(
        "conversation.labels",
        "changed_to",
        "legal",
        {"conversation.labels": ["legal"]},
        {"conversation.labels": ["legal"]},
        "conversation.updated",
    )


def test_changed_to_number_and_assignee():
    assert fires(
        "conversation.assignee_id",
        "changed_to",
        4,
        {"conversation.assignee_id": 4},
        {"conversation.assignee_id": None},
        "conversation.updated",
    )
    assert fires(
        "conversation.priority",
        "changed_to",
        90,
        {"conversation.priority": 90.0},
        {"conversation.priority": 10},
        "conversation.updated",
    )


def test_matched_records_values_seen():
    rule = Rule(
        1, "r", "conversation.updated", (Condition("conversation.status", "changed_to", "resolved"),), ()
    )
    [firing] = evaluate(
        [rule], {"conversation.status": "resolved"}, "conversation.updated", {"conversation.status": "open"}
    )
    assert firing.matched[0].seen == "resolved" and firing.matched[0].previous == "open"
    assert firing.trigger == "conversation.updated"


def test_regex_is_compiled_once_and_input_is_cut():
    compile_pattern.cache_clear()
    for _ in range(5):
        fires("message.text", "matches", "abc", {"message.text": "xxabc"})
    assert compile_pattern.cache_info().misses == 1
    long_text = "a" * (MAX_MATCH_INPUT + 10) + "needle"
    assert not fires("message.text", "matches", "needle", {"message.text": long_text})


def test_unknown_operator_and_field_do_not_raise():
    assert not fires("message.text", "frobnicate", 1, {"message.text": "x"})
    assert fires("custom.plan", "equals", "gold", {"custom.plan": "Gold"})
    assert not fires("custom.plan", "gt", 3, {"custom.plan": object()})


@pytest.mark.skipif(_regex is None, reason=needs("the regex package, which stops a runaway search"))
def test_runaway_pattern_that_skips_validation_is_stopped():
    import time

    text = "ab " * 3000 + "!"
    started = time.monotonic()
    assert not fires("message.text", "matches", r"(\w+\s?)+$", {"message.text": text})
    assert not fires("message.text", "matches", "a*a*b", {"message.text": "a" * 20000})
    assert time.monotonic() - started < 2
