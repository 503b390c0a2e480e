"""Escalation: rules over facts, SLA clocks and routing to agents. Plain Python.

Public API (import from here):
- rules: `evaluate`, `validate_rule`, `RuleError`, `rule_to_dict`, `describe`,
  `firing_to_dict`, `FIELDS` (the fact vocabulary), `ACTIONS`, `TRIGGERS`
- routing: `route`, `route_many`, `Router` (a batch against one snapshot), `presence_after_grace`, `conversations_to_reroute`
- SLA: `BusinessCalendar`, `SlaPolicy`, `SlaDue`, `SlaEvent`, `add_business_minutes`,
  `business_minutes_between`, `is_business_time`, `due_times`, `sla_state`,
  `sla_events_to_fire`, `select_policy`
"""

from escalation.actions import ACTIONS
from escalation.business_hours import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    calendar_from_dict,
    calendar_to_dict,
    is_business_time,
)
from escalation.describe import describe, explain, firing_to_dict
from escalation.fields import FIELDS, Field
from escalation.presence import (
    Assignment,
    ReroutePlan,
    conversations_to_reroute,
    effective_presence,
    presence_after_grace,
)
from escalation.routing import STRATEGIES, Router, route, route_many
from escalation.rules import evaluate
from escalation.sla import (
    SlaDue,
    SlaEvent,
    SlaPolicy,
    due_times,
    policy_from_dict,
    policy_to_dict,
    select_policy,
    sla_events_to_fire,
    sla_facts,
    sla_state,
    sla_states,
)
from escalation.types import (
    TRIGGERS,
    Action,
    AgentState,
    Condition,
    Firing,
    Matched,
    RoutingDecision,
    RoutingRequest,
    Rule,
)
from escalation.validation import RuleError, rule_to_dict, validate_condition, validate_rule

__all__ = [
    "ACTIONS",
    "Action",
    "AgentState",
    "Assignment",
    "BusinessCalendar",
    "Condition",
    "FIELDS",
    "Field",
    "Firing",
    "Matched",
    "ReroutePlan",
    "RoutingDecision",
    "RoutingRequest",
    "Rule",
    "RuleError",
    "STRATEGIES",
    "SlaDue",
    "SlaEvent",
    "SlaPolicy",
    "TRIGGERS",
    "add_business_minutes",
    "business_minutes_between",
    "calendar_from_dict",
    "calendar_to_dict",
    "conversations_to_reroute",
    "describe",
    "due_times",
    "effective_presence",
    "evaluate",
    "explain",
    "firing_to_dict",
    "is_business_time",
    "policy_from_dict",
    "policy_to_dict",
    "presence_after_grace",
    "route",
    "route_many",
    "Router",
    "rule_to_dict",
    "select_policy",
    "sla_events_to_fire",
    "sla_facts",
    "sla_state",
    "sla_states",
    "validate_condition",
    "validate_rule",
]
