"""Prepared rules give exactly what the per-condition reference evaluation gives."""

from __future__ import annotations

import gc
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation import FIELDS, Action, Condition, Firing, Rule, evaluate
from escalation import prepared as prep
from escalation.operators import ALIASES, OPERATORS
from escalation.rules import _order, check

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_matches(rule, facts, previous):
    """`escalation.rules.matches`, spelled out over the per-condition `check`."""
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


def reference_evaluate(rules, facts, trigger, previous=None):
    fired = []
    for rule in sorted(rules, key=_order):
        if not rule.enabled or rule.trigger != trigger:
            continue
        held = reference_matches(rule, facts, previous)
        if held is not None:
            fired.append(Firing(rule.id, rule.name, held, rule.actions, trigger))
    return fired


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as e:  # the reference raises on a few odd inputs: so must the prepared path
        return ("raised", type(e))


FIELD_NAMES = [*sorted(FIELDS), "custom.plan"]
OPS = [*OPERATORS, *ALIASES, "frobnicate"]
TRIGGER = "conversation.updated"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(),
    st.floats(),
    st.sampled_from(["a", "A", "ab", "Ä", "x y", "", "1", "07", "open", "resolved", "legal", "refund"]),
    st.text(alphabet="abcAÄé1 ", max_size=5),
    st.sampled_from([Decimal("1.5"), float("nan"), float("inf"), -0.0]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.lists(scalars, max_size=3).map(tuple),
    st.lists(st.sampled_from(["a", "b", "legal", "Refund"]), max_size=3),
    st.sampled_from(["^a", "a|b", r"\d+", "(", "(?i)x", "é$", "a" * 600]),
)
facts_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.lists(st.sampled_from(["a", "b", "legal", "Refund", "A"]), max_size=3),
    st.sets(st.sampled_from(["a", "legal"])),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
conditions = st.builds(Condition, st.sampled_from(FIELD_NAMES), st.sampled_from(OPS), values)
# a small pool so that rules share equal conditions (one test run per message)
shared = st.lists(conditions, min_size=1, max_size=4)


@st.composite
def rule_lists(draw):
    pool = draw(shared)
    out = []
    for i in range(draw(st.integers(0, 6))):
        conds = draw(st.lists(st.one_of(st.sampled_from(pool), conditions), max_size=4))
        out.append(
            Rule(
                i,
                f"r{i}",
                draw(st.sampled_from([TRIGGER, TRIGGER, "message.created"])),
                tuple(conds),
                (Action("resolve"),),
                draw(st.sampled_from(["all", "any", "other"])),
                draw(st.booleans() | st.just(True)),
                draw(st.integers(-2, 2)),
            )
        )
    return out


facts = st.dictionaries(st.sampled_from(FIELD_NAMES), facts_values, max_size=8)


@SETTINGS
@given(rule_lists(), st.lists(facts, min_size=1, max_size=3), st.one_of(st.none(), facts))
def test_prepared_equals_reference(rules, messages, previous):
    for as_tuple in (False, True):
        given_rules = tuple(rules) if as_tuple else rules
        for now in messages:  # several messages through the same rules: cached plans and prepared rules
            expected = outcome(reference_evaluate, given_rules, now, TRIGGER, previous)
            assert outcome(evaluate, given_rules, now, TRIGGER, previous) == expected
            assert outcome(evaluate, iter(given_rules), now, TRIGGER, previous) == expected


@SETTINGS
@given(st.lists(conditions, max_size=4), facts, st.one_of(st.none(), facts))
def test_each_condition_alone_equals_check(conds, now, previous):
    for c in conds:
        rule = Rule(1, "r", TRIGGER, (c,), ())
        expected = outcome(check, c, now, previous)
        got = outcome(evaluate, [rule], now, TRIGGER, previous)
        if expected[0] == "raised":
            assert got == expected
        else:
            assert got == ("ok", [Firing(1, "r", (expected[1],), (), TRIGGER)] if expected[1] else [])


def test_odd_rules_and_facts_fall_back_to_the_reference():
    odd = [
        Rule(1, "list conditions", TRIGGER, [Condition("message.text", "contains", "a")], ()),  # type: ignore[arg-type]
        Rule(2, "odd match", TRIGGER, (Condition("message.text", "contains", "a"),), (), match=None),  # type: ignore[arg-type]
        Rule(3, "int op", TRIGGER, (Condition("message.text", 3, "a"),), ()),  # type: ignore[arg-type]
    ]
    for now in ({"message.text": "A"}, {}, None, {"message.text": ["a"]}):
        assert evaluate(odd, now, TRIGGER) == reference_evaluate(odd, now, TRIGGER)  # type: ignore[arg-type]


def test_rule_prepared_once_and_forgotten_with_the_rule():
    rule = Rule(99, "r", TRIGGER, (Condition("message.text", "contains", "zz"),), ())
    first = prep.prepared(rule)
    assert first is not None and prep.prepared(rule) is first
    key = id(rule)
    prep.cache_clear()
    assert prep.prepared(rule) is not first
    del rule, first
    gc.collect()
    assert key not in prep._CACHE


def test_unhashable_values_are_prepared():
    rule = Rule(
        1,
        "r",
        TRIGGER,
        (Condition("conversation.labels", "in", ["legal", "press"]),),
        (Action("x", {"a": [1]}),),
    )
    [firing] = evaluate([rule], {"conversation.labels": ["Press"]}, TRIGGER)
    assert firing.matched[0].seen == ("Press",)


def test_cached_plan_never_outlives_a_rule_whose_id_is_reused():
    for i in range(300):  # a freed rule's id is soon given to a new rule
        evaluate([Rule(i, "off", TRIGGER, (), (), enabled=False)], {}, TRIGGER)
        assert [f.rule_id for f in evaluate([Rule(i, "on", TRIGGER, (), ())], {}, TRIGGER)] == [i]


def test_evaluate_never_raises_on_huge_numbers_or_non_string_operators():
    from escalation import Action, Condition, Rule, evaluate

    act = (Action("add_label", {"label": "x"}),)
    big = Rule(1, "big", "message.created", (Condition("author.followers", "gt", 10),), act)
    assert evaluate([big], {"author.followers": 10**400}, "message.created") == []  # not a usable number
    odd = Rule(2, "odd", "message.created", (Condition("author.followers", ["gt"], 10),), act)
    assert evaluate([odd], {"author.followers": 5}, "message.created") == []  # unknown operator: no match
