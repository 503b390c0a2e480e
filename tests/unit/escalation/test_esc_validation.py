"""Rule and action validation on the JSON a UI would send; round trips; sentences."""

from __future__ import annotations

import pytest

from escalation import ACTIONS, RuleError, describe, evaluate, firing_to_dict, rule_to_dict, validate_rule


def rule_json(**over):
    base = {
        "name": "Angry influencer",
        "trigger": "message.created",
        "match": "all",
        "conditions": [
            {"field": "message.sentiment", "op": "lt", "value": -0.5},
            {"field": "author.followers", "op": "gt", "value": 10000},
        ],
        "actions": [{"type": "set_priority", "value": 90}, {"type": "add_label", "label": "urgent"}],
        "enabled": True,
        "order": 3,
    }
    base.update(over)
    return base


def errors_of(data):
    with pytest.raises(RuleError) as info:
        validate_rule(data)
    return {e["path"]: e["message"] for e in info.value.errors}


def test_valid_rule_round_trips():
    rule = validate_rule(rule_json(id=5))
    assert rule.id == 5 and rule.order == 3 and len(rule.conditions) == 2
    assert validate_rule(rule_to_dict(rule)) == rule


def test_aliases_stored_canonical():
    rule = validate_rule(rule_json(conditions=[{"field": "message.language", "op": "eq", "value": "en"}]))
    assert rule.conditions[0].op == "equals"


def test_describe_sentence():
    assert describe(validate_rule(rule_json())) == (
        "When a message is created and sentiment < -0.5 and author followers > 10000: set priority 90, add label urgent"
    )


def test_describe_any_and_booleans():
    rule = validate_rule(
        rule_json(
            match="any",
            trigger="time.passed",
            conditions=[
                {"field": "customer.vip", "op": "equals", "value": True},
                {"field": "time.business_hours", "op": "equals", "value": False},
                {"field": "customer.last_csat", "op": "between", "value": [1, 2]},
            ],
            actions=[
                {"type": "escalate"},
                {"type": "notify", "channel": "webhook", "url": "https://h.example/x"},
            ],
        )
    )
    assert describe(rule) == (
        "When time passes and any of: the customer is VIP; it is outside business hours; last CSAT is between 1 and 2: "
        "escalate to supervisor, notify webhook https://h.example/x"
    )


def test_firing_to_dict_says_why():
    rule = validate_rule(rule_json(id=1))
    [firing] = evaluate([rule], {"message.sentiment": -0.82, "author.followers": 50000}, "message.created")
    data = firing_to_dict(firing)
    assert data["matched"][0]["seen"] == -0.82
    assert data["matched"][0]["text"] == "sentiment < -0.5 (seen -0.82)"
    assert data["actions"][0] == {"type": "set_priority", "value": 90}


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        ({"name": ""}, "name", "needs a name"),
        ({"trigger": "message_created"}, "trigger", "trigger must be one of"),
        ({"match": "some"}, "match", "'all' or 'any'"),
        ({"enabled": "yes"}, "enabled", "true or false"),
        ({"order": "1"}, "order", "integer"),
        ({"actions": []}, "actions", "at least one action"),
        ({"conditions": "x"}, "conditions", "must be a list"),
    ],
)
def test_rule_level_errors(change, path, fragment):
    assert fragment in errors_of(rule_json(**change))[path]


@pytest.mark.parametrize(
    ("condition", "path", "fragment"),
    [
        ({"field": "message.mood", "op": "equals", "value": 1}, "conditions[0].field", "unknown field"),
        ({"field": "message.text", "op": "sorta", "value": 1}, "conditions[0].op", "unknown operator"),
        ({"field": "conversation.labels", "op": "gt", "value": 1}, "conditions[0].op", "does not apply"),
        ({"field": "message.text", "op": "gt", "value": 1}, "conditions[0].op", "does not apply"),
        ({"field": "customer.vip", "op": "contains", "value": "x"}, "conditions[0].op", "does not apply"),
        ({"field": "author.followers", "op": "gt", "value": "10k"}, "conditions[0].value", "needs a number"),
        (
            {"field": "author.followers", "op": "equals", "value": "10k"},
            "conditions[0].value",
            "must be a number",
        ),
        ({"field": "customer.vip", "op": "equals", "value": "yes"}, "conditions[0].value", "true or false"),
        (
            {"field": "conversation.status", "op": "equals", "value": "closed"},
            "conditions[0].value",
            "open, pending",
        ),
        ({"field": "conversation.status", "op": "in", "value": []}, "conditions[0].value", "non-empty list"),
        (
            {"field": "conversation.status", "op": "in", "value": ["open", "gone"]},
            "conditions[0].value",
            "item 1",
        ),
        (
            {"field": "conversation.team_id", "op": "equals", "value": None},
            "conditions[0].value",
            "is_set false",
        ),
        (
            {"field": "message.text", "op": "matches", "value": "("},
            "conditions[0].value",
            "invalid regular expression",
        ),
        ({"field": "message.text", "op": "matches", "value": "(a+)+$"}, "conditions[0].value", "can hang"),
        (
            {"field": "message.text", "op": "matches", "value": "a" * 501},
            "conditions[0].value",
            "at most 500",
        ),
        ({"field": "message.sentiment", "op": "between", "value": [1]}, "conditions[0].value", "two numbers"),
        (
            {"field": "message.sentiment", "op": "between", "value": ["a", 1]},
            "conditions[0].value",
            "two numbers",
        ),
        (
            {"field": "message.sentiment", "op": "between", "value": [1, -1]},
            "conditions[0].value",
            "low <= high",
        ),
        ({"field": "message.text", "op": "contains", "value": ""}, "conditions[0].value", "non-empty string"),
        (
            {"field": "conversation.assignee_id", "op": "is_set", "value": "yes"},
            "conditions[0].value",
            "true or false",
        ),
        (
            {"field": "conversation.status", "op": "changed_to", "value": "open"},
            "conditions[0].op",
            "conversation.updated",
        ),
        ("not a dict", "conditions[0]", "must be an object"),
    ],
)
def test_condition_errors(condition, path, fragment):
    assert fragment in errors_of(rule_json(conditions=[condition]))[path]


def test_every_problem_reported_at_once():
    errors = errors_of(
        rule_json(
            name="",
            conditions=[
                {"field": "message.text", "op": "matches", "value": "("},
                {"field": "x", "op": "eq", "value": 1},
            ],
            actions=[{"type": "zap"}],
        )
    )
    assert set(errors) == {"name", "conditions[0].value", "conditions[1].field", "actions[0].type"}
    with pytest.raises(ValueError, match="name: a rule needs a name"):
        validate_rule(rule_json(name=""))


VALID_ACTIONS = [
    {"type": "set_priority", "value": 90},
    {"type": "add_label", "label": "urgent"},
    {"type": "remove_label", "label": "spam"},
    {"type": "assign_team", "team_id": 2},
    {"type": "assign_agent", "agent_id": 7},
    {"type": "escalate", "to": "supervisor"},
    {"type": "notify", "channel": "in_app", "message": "VIP waiting"},
    {"type": "notify", "channel": "webhook", "url": "https://hooks.example.com/x"},
    {"type": "send_canned", "canned_id": 3},
    {"type": "send_canned", "text": "We are on it."},
    {"type": "snooze", "minutes": 60},
    {"type": "resolve"},
    {"type": "promote"},
    {"type": "add_label", "params": {"label": "nested-shape"}},
]


@pytest.mark.parametrize("action", VALID_ACTIONS)
def test_valid_actions(action):
    rule = validate_rule(rule_json(actions=[action]))
    assert rule.actions[0].type == action["type"]
    assert validate_rule(rule_to_dict(rule)) == rule
    assert describe(rule)


def test_every_action_type_has_a_valid_example():
    assert {a["type"] for a in VALID_ACTIONS} == set(ACTIONS)


@pytest.mark.parametrize(
    ("action", "path", "fragment"),
    [
        ({"type": "explode"}, "actions[0].type", "unknown action"),
        ({}, "actions[0].type", "needs a 'type'"),
        ({"type": "set_priority"}, "actions[0].value", "needs 'value'"),
        ({"type": "set_priority", "value": "high"}, "actions[0].value", "must be a number"),
        ({"type": "set_priority", "value": 150}, "actions[0].value", "between 0 and 100"),
        ({"type": "add_label"}, "actions[0].label", "needs 'label'"),
        ({"type": "add_label", "label": "  "}, "actions[0].label", "non-empty string"),
        ({"type": "add_label", "label": "x", "color": "red"}, "actions[0].color", "unknown parameter"),
        ({"type": "remove_label", "label": 5}, "actions[0].label", "non-empty string"),
        ({"type": "assign_team", "team_id": "2"}, "actions[0].team_id", "positive integer id"),
        ({"type": "assign_agent"}, "actions[0].agent_id", "needs 'agent_id'"),
        ({"type": "assign_agent", "agent_id": 0}, "actions[0].agent_id", "positive integer id"),
        ({"type": "escalate", "to": "ceo"}, "actions[0].to", "must be one of: supervisor"),
        ({"type": "notify"}, "actions[0].channel", "needs 'channel'"),
        ({"type": "notify", "channel": "sms"}, "actions[0].channel", "in_app, webhook"),
        ({"type": "notify", "channel": "webhook"}, "actions[0].url", "needs 'url'"),
        ({"type": "notify", "channel": "webhook", "url": "ftp://x"}, "actions[0].url", "http(s) URL"),
        ({"type": "send_canned"}, "actions[0]", "exactly one"),
        ({"type": "send_canned", "canned_id": 1, "text": "hi"}, "actions[0]", "exactly one"),
        ({"type": "snooze"}, "actions[0].minutes", "needs 'minutes'"),
        ({"type": "snooze", "minutes": 0}, "actions[0].minutes", "between 1 and"),
        ({"type": "resolve", "now": True}, "actions[0].now", "unknown parameter"),
        ("resolve", "actions[0]", "must be an object"),
    ],
)
def test_action_errors(action, path, fragment):
    assert fragment in errors_of(rule_json(actions=[action]))[path]
