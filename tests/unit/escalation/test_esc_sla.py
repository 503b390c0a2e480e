"""SLA due times, states, once-only events and policy selection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation import (
    RuleError,
    SlaDue,
    SlaEvent,
    SlaPolicy,
    calendar_from_dict,
    due_times,
    evaluate,
    policy_from_dict,
    policy_to_dict,
    select_policy,
    sla_events_to_fire,
    sla_facts,
    sla_state,
    sla_states,
    validate_rule,
)

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # a Monday
POLICY = SlaPolicy(first_response_minutes=60, next_response_minutes=30, resolution_minutes=480)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def test_first_response_and_resolution_due_from_creation():
    due = due_times(POLICY, {"created_at": T0})
    assert due == SlaDue(at(60), None, at(480))


def test_first_response_met_then_next_response_clock():
    facts = {"created_at": T0, "first_response_at": at(10), "waiting_since": at(100)}
    assert due_times(POLICY, facts) == SlaDue(None, at(130), at(480))
    assert due_times(POLICY, {**facts, "waiting_since": None}).next_response_due is None


def test_resolved_has_nothing_due():
    assert due_times(POLICY, {"created_at": T0, "status": "resolved"}) == SlaDue()
    assert due_times(POLICY, {"created_at": T0, "resolved_at": at(5)}) == SlaDue()


def test_due_times_count_business_hours_and_policy_holidays():
    cal = calendar_from_dict(
        {"timezone": "UTC", "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed")}}
    )
    policy = SlaPolicy(
        first_response_minutes=120, business_hours=cal, holidays=frozenset({T0.date() + timedelta(days=1)})
    )
    due = due_times(policy, {"created_at": at(7 * 60)})  # Mon 16:00, Tue is a holiday
    assert due.first_response_due == datetime(2025, 6, 4, 10, 0, tzinfo=UTC)


def test_due_times_needs_created_at():
    with pytest.raises(ValueError, match="created_at"):
        due_times(POLICY, {})


@pytest.mark.parametrize(
    ("minutes", "state"),
    [(0, "ok"), (44, "ok"), (45, "warning"), (59, "warning"), (60, "breached"), (600, "breached")],
)
def test_state_windows(minutes, state):
    assert sla_state(SlaDue(first_response_due=at(60)), at(minutes), warn_before_minutes=15) == state


def test_worst_state_wins_and_empty_is_ok():
    due = SlaDue(at(60), None, at(20))
    assert sla_states(due, at(10), 15) == {"first_response": "ok", "resolution": "warning"}
    assert sla_state(due, at(30), 15) == "breached"
    assert sla_state(SlaDue(), at(30), 15) == "ok"


def test_events_fire_once():
    due = SlaDue(first_response_due=at(60))
    [warn] = sla_events_to_fire(due, at(50), 15)
    assert (warn.kind, warn.event) == ("first_response", "warning")
    assert sla_events_to_fire(due, at(55), 15, [warn]) == []
    [breach] = sla_events_to_fire(due, at(61), 15, [warn])
    assert breach.event == "breached" and breach.due_at == at(60)
    assert sla_events_to_fire(due, at(500), 15, [warn, breach]) == []


def test_late_scheduler_fires_only_the_breach_and_accepts_tuples_and_naive_keys():
    due = SlaDue(first_response_due=at(60), resolution_due=at(480))
    events = sla_events_to_fire(due, at(90), 15)
    assert events == [SlaEvent("first_response", "breached", at(60))]
    naive_key = ("first_response", "breached", at(60).replace(tzinfo=None))
    assert sla_events_to_fire(due, at(90), 15, [naive_key]) == []


def test_a_new_next_response_cycle_is_a_new_event():
    first = SlaEvent("next_response", "breached", at(130))
    due = SlaDue(next_response_due=at(300))
    assert sla_events_to_fire(due, at(301), 15, [first]) == [SlaEvent("next_response", "breached", at(300))]


def test_breach_drives_a_time_passed_rule():
    rule = validate_rule(
        {
            "name": "Breach escalates",
            "trigger": "time.passed",
            "conditions": [
                {"field": "sla.event", "op": "equals", "value": "breached"},
                {"field": "sla.kind", "op": "in", "value": ["first_response", "resolution"]},
            ],
            "actions": [{"type": "escalate"}],
        }
    )
    due = SlaDue(first_response_due=at(60))
    [event] = sla_events_to_fire(due, at(61), 15)
    facts = {"sla.kind": event.kind, "sla.event": event.event, **sla_facts(due, at(61), 15)}
    assert facts["sla.state"] == "breached" and facts["sla.minutes_to_due"] == -1
    assert len(evaluate([rule], facts, "time.passed")) == 1


def test_select_policy_most_specific_wins():
    default = SlaPolicy(id=1, first_response_minutes=240)
    team = SlaPolicy(id=2, first_response_minutes=120, team_id=2)
    channel = SlaPolicy(id=3, first_response_minutes=90, channel="x")
    vip = SlaPolicy(id=4, first_response_minutes=30, customer_tier="vip")
    vip_team = SlaPolicy(id=5, first_response_minutes=15, customer_tier="vip", team_id=2)
    off = SlaPolicy(id=6, first_response_minutes=1, enabled=False)
    policies = [off, default, team, channel, vip, vip_team]
    assert select_policy(policies, None, None, None).id == 1
    assert select_policy(policies, 2, "email", None).id == 2
    assert select_policy(policies, 2, "x", None).id == 2  # team outranks channel at equal specificity
    assert select_policy(policies, 3, "x", "vip").id == 4
    assert select_policy(policies, 2, "x", "vip").id == 5
    assert select_policy([team], 3, None, None) is None
    assert select_policy([SlaPolicy(id=7), SlaPolicy(id=8)], 1, "x", None).id == 7


def test_policy_round_trip_and_errors():
    data = {
        "id": 3,
        "name": "VIP",
        "customer_tier": "vip",
        "first_response_minutes": 30,
        "resolution_minutes": 240,
        "calendar": {
            "timezone": "Europe/Berlin",
            "hours": {"mon": [["09:00", "17:00"]]},
            "holidays": ["2025-12-25"],
        },
    }
    policy = policy_from_dict(data)
    assert policy.calendar.timezone == "Europe/Berlin" and policy.next_response_minutes is None
    assert policy_from_dict(policy_to_dict(policy)) == policy
    with pytest.raises(RuleError) as info:
        policy_from_dict(
            {"first_response_minutes": -5, "calendar": {"timezone": "Nowhere/Land"}, "team_id": "a"}
        )
    assert {e["path"] for e in info.value.errors} == {"first_response_minutes", "calendar", "team_id"}
