"""Properties of the evaluator: total, ordered, and "any" is the OR of its parts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation import FIELDS, Action, Rule, evaluate, rule_to_dict, validate_rule
from escalation.fields import BOOL, ENUM, ID, LIST, NUMBER, STRING, TEXT

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(alphabet="abcxyzÄé ", min_size=1, max_size=6)
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False))


def element(field):
    if field.type == ENUM:
        return st.sampled_from(field.choices)
    if field.type == NUMBER:
        return numbers
    if field.type == BOOL:
        return st.booleans()
    if field.type == ID:
        return st.integers(1, 50)
    return words


def value_for(field, op):
    if op == "is_set":
        return st.one_of(st.none(), st.booleans())
    if op == "between":
        return st.tuples(numbers, numbers).map(sorted)
    if op in ("in", "not_in"):
        return st.lists(element(field), min_size=1, max_size=3)
    if op == "matches":
        return st.sampled_from(["a", "^x", "b.c", r"\d+", "z$", "(?:ab)?c"])
    if op in ("gt", "gte", "lt", "lte"):
        return numbers
    return element(field)


@st.composite
def conditions(draw, trigger="conversation.updated"):
    field = FIELDS[draw(st.sampled_from(sorted(FIELDS)))]
    ops = [o for o in field.operators if trigger == "conversation.updated" or o != "changed_to"]
    op = draw(st.sampled_from(ops))
    return {"field": field.name, "op": op, "value": draw(value_for(field, op))}


@st.composite
def rules(draw, trigger="conversation.updated"):
    data = {
        "name": "r",
        "trigger": trigger,
        "match": draw(st.sampled_from(["all", "any"])),
        "conditions": draw(st.lists(conditions(trigger), max_size=4)),
        "actions": [{"type": "resolve"}],
        "enabled": True,
        "order": draw(st.integers(-5, 5)),
    }
    return validate_rule(data)


def fact_value(field):
    odd = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=8),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    )
    typed = {
        TEXT: st.text(max_size=30),
        STRING: words,
        ENUM: st.sampled_from(field.choices),
        NUMBER: numbers,
        BOOL: st.booleans(),
        ID: st.integers(1, 50),
        LIST: st.lists(words, max_size=3),
    }[field.type]
    return st.one_of(typed, typed, odd, st.lists(odd, max_size=3))


@st.composite
def facts(draw):
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True))
    out = {n: draw(fact_value(FIELDS[n])) for n in names}
    out.update(draw(st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)))
    return out


@FAST
@given(rules(), facts(), st.one_of(st.none(), facts()))
def test_any_facts_and_valid_rule_never_raise(rule, now, before):
    result = evaluate([rule], now, "conversation.updated", before)
    assert len(result) <= 1
    for firing in result:
        assert all(m.condition in rule.conditions for m in firing.matched)


@FAST
@given(rules())
def test_valid_rules_round_trip(rule):
    assert validate_rule(rule_to_dict(rule)) == rule


@FAST
@given(facts())
def test_all_of_nothing_matches(now):
    rule = Rule(1, "empty", "message.created", (), (Action("resolve"),), match="all")
    assert len(evaluate([rule], now, "message.created")) == 1


@FAST
@given(st.lists(conditions("message.created"), min_size=1, max_size=4), facts())
def test_any_is_or_of_single_condition_rules(conds, now):
    rule = validate_rule(
        {
            "name": "r",
            "trigger": "message.created",
            "match": "any",
            "conditions": conds,
            "actions": [{"type": "resolve"}],
        }
    )
    singles = [Rule(i, "s", "message.created", (c,), rule.actions) for i, c in enumerate(rule.conditions)]
    any_fired = bool(evaluate([rule], now, "message.created"))
    assert any_fired == bool(evaluate(singles, now, "message.created"))
    all_rule = Rule(2, "all", "message.created", rule.conditions, rule.actions, match="all")
    assert bool(evaluate([all_rule], now, "message.created")) == (
        len(evaluate(singles, now, "message.created")) == len(singles)
    )


@FAST
@given(
    st.lists(
        st.tuples(st.integers(-3, 3), st.booleans(), st.sampled_from(["message.created", "time.passed"])),
        max_size=8,
    )
)
def test_stored_order_enabled_and_trigger_respected(specs):
    rules_ = [
        Rule(i, f"r{i}", trig, (), (Action("resolve"),), enabled=on, order=order)
        for i, (order, on, trig) in enumerate(specs)
    ]
    fired = [f.rule_id for f in evaluate(rules_, {}, "message.created")]
    expected = [
        r.id for r in sorted(rules_, key=lambda r: r.order) if r.enabled and r.trigger == "message.created"
    ]
    assert fired == expected
