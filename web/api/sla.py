"""SLA policies (with business hours and holidays) and the agents' presence board: thin views."""

from __future__ import annotations

from typing import Annotated, Any

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox.admin.agents import load_agent
from inbox.automation import presence, sla_service
from inbox.automation.rules_service import RuleInvalid
from inbox.store.access import require_role
from inbox.store.models import SlaPolicy as SlaPolicyRow
from web.api import endpoint, json_body, parse
from web.api.schemas import SlaPolicy, SlaPolicyList
from web.api.validation import ColumnStr, Id
from web.auth import inbox
from web.errors import N_, ApiError, error_body

# Business minutes: up to a year of them (a timer further away is no timer).
Minutes = Annotated[float, Field(ge=0, le=525_600)]


class PolicyIn(BaseModel):
    """Targets in business minutes; calendar = {"timezone", "hours": {"mon": [["09:00","17:00"]]}, "holidays": [...]}."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=120)
    team_id: Id | None = None
    channel: ColumnStr(SlaPolicyRow.channel) | None = None  # type: ignore[valid-type]
    customer_tier: ColumnStr(SlaPolicyRow.customer_tier) | None = None  # type: ignore[valid-type]
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    calendar: dict[str, Any] | None = None
    warn_before_minutes: Minutes | None = None
    enabled: bool | None = None


def _save(data: dict[str, Any], policy_id: int | None = None) -> Any:
    try:
        return sla_service.save_policy(inbox(), g.agent_id, data, policy_id)
    except RuleInvalid as exc:
        raise _Invalid(error_body(exc)) from None


class _Invalid(Exception):
    def __init__(self, out: dict[str, Any]) -> None:
        self.out = out


def _body() -> dict[str, Any]:
    data = json_body()
    parse(PolicyIn, data)
    # An explicit null clears a scope or an optional target; other nulls mean "leave as is".
    clearable = ("team_id", "channel", "customer_tier", "next_response_minutes", "resolution_minutes")
    return {k: v for k, v in data.items() if v is not None or k in clearable}


@endpoint("/sla/policies", ["GET"], "List SLA policies", response=SlaPolicyList)
def list_policies() -> Any:
    return jsonify({"policies": sla_service.list_policies(inbox(), g.agent_id)})


@endpoint("/sla/policies", ["POST"], "Create an SLA policy", body=PolicyIn, status=201, response=SlaPolicy)
def create_policy() -> Any:
    """The most specific enabled policy (customer tier, team, channel) applies to a conversation."""
    try:
        return jsonify(_save(_body())), 201
    except _Invalid as exc:
        return jsonify(exc.out), 400


@endpoint(
    "/sla/policies/<int:policy_id>", ["PATCH"], "Change an SLA policy", body=PolicyIn, response=SlaPolicy
)
def patch_policy(policy_id: int) -> Any:
    try:
        return jsonify(_save(_body(), policy_id))
    except _Invalid as exc:
        return jsonify(exc.out), 400


@endpoint("/sla/policies/<int:policy_id>", ["DELETE"], "Delete an SLA policy", status=204)
def delete_policy(policy_id: int) -> Any:
    sla_service.delete_policy(inbox(), g.agent_id, policy_id)
    return "", 204


@endpoint("/agents/presence", ["GET"], "Agents' presence and load at a glance")
def presence_board() -> Any:
    """Supervisors and admins only."""
    with inbox().read() as s:
        agent = load_agent(s, g.agent_id)
        if agent is None:
            raise ApiError(401, "unauthorized", N_("unknown agent"))
        require_role(agent, "admin", "supervisor")
    return jsonify({"agents": presence.presence_board(inbox())})
