"""Escalation: rules over facts, SLA clocks and routing to agents. Plain Python.

Public API (import from here):
- rules: `evaluate`, `validate_rule`, `RuleError`, `rule_to_dict`, `describe`,
  `firing_to_dict`, `FIELDS` (the fact vocabulary), `ACTIONS`, `TRIGGERS`
- routing: `route`, `route_many`, `presence_after_grace`, `conversations_to_reroute`
- SLA: `BusinessCalendar`, `SlaPolicy`, `SlaDue`, `SlaEvent`, `add_business_minutes`,
  `business_minutes_between`, `is_business_time`, `due_times`, `sla_state`,
  `sla_events_to_fire`, `select_policy`
"""

from escalation.actions import ACTIONS
from escalation.describe import describe, explain, firing_to_dict
from escalation.fields import FIELDS
from escalation.routing import route
from escalation.rules import evaluate
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
from escalation.validation import RuleError, rule_to_dict, validate_rule

__all__ = [
    "ACTIONS",
    "FIELDS",
    "TRIGGERS",
    "Action",
    "AgentState",
    "Condition",
    "Firing",
    "Matched",
    "RoutingDecision",
    "RoutingRequest",
    "Rule",
    "RuleError",
    "describe",
    "evaluate",
    "explain",
    "firing_to_dict",
    "route",
    "rule_to_dict",
    "validate_rule",
]
