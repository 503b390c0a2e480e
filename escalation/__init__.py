"""Escalation: rules over facts, SLA clocks and routing to agents. Plain Python."""

from escalation.routing import route
from escalation.rules import evaluate
from escalation.types import (
    Action,
    AgentState,
    Condition,
    Firing,
    Matched,
    RoutingDecision,
    RoutingRequest,
    Rule,
)

__all__ = [
    "Action",
    "AgentState",
    "Condition",
    "Firing",
    "Matched",
    "RoutingDecision",
    "RoutingRequest",
    "Rule",
    "evaluate",
    "route",
]
