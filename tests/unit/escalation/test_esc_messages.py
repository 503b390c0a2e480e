"""escalation.messages: a problem is the plain English string to every caller and keeps its msgid
and values for the reader's language."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from escalation import RuleError, validate_rule
from escalation.messages import N_, Msg


@given(st.text(max_size=40), st.integers())
def test_a_message_is_its_english_text_and_keeps_msgid_and_values(name: str, n: int) -> None:
    m = N_("%(name)s must be at most %(n)s characters", name=name, n=n)
    assert m == f"{name} must be at most {n} characters" and isinstance(m, str)
    assert m.msgid == "%(name)s must be at most %(n)s characters" and m.params == {"name": name, "n": n}
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.msgid == m.msgid and back.params == m.params


def test_a_message_without_values_keeps_a_percent_sign() -> None:
    assert N_("100% sure") == "100% sure" and N_("100% sure").params == {}


def test_the_validators_problems_carry_their_msgids() -> None:
    try:
        validate_rule(
            {
                "name": "",
                "trigger": "nope",
                "conditions": [],
                "actions": [{"type": "set_priority", "value": 300}],
            }
        )
    except RuleError as exc:
        problems = {e["path"]: e["message"] for e in exc.errors}
    else:
        raise AssertionError("an invalid rule was accepted")
    assert problems["name"] == "a rule needs a name" and problems["name"].msgid == "a rule needs a name"
    assert problems["trigger"].msgid == "trigger must be one of: %(choices)s"
    assert isinstance(problems["actions[0].value"], Msg)
