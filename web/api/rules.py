"""Rules, the dry run, and outbound webhooks: thin views over inbox.automation.rules_service and inbox.channels.webhooks_out.

Rule bodies are checked by the escalation leaf, which reports every problem at once;
the 400 carries the first one in `error.field` and all of them in `error.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox.automation import rules_service as svc
from inbox.channels import webhooks_out
from inbox.store.models import Rule, WebhookSubscription
from web.api import endpoint, json_body, parse, query
from web.api.schemas import Rule as RuleOut
from web.api.schemas import RuleList, SubscriptionList
from web.api.schemas import Subscription as SubscriptionOut
from web.api.validation import ColumnStr, Count, Id, QueryModel
from web.auth import inbox
from web.errors import N_, ApiError, error_body
from web.i18n import rule_help


class RuleIn(BaseModel):
    """A rule as the editor sends it; conditions and actions are checked by the escalation leaf."""

    model_config = ConfigDict(extra="allow")
    name: ColumnStr(Rule.name) | None = None  # type: ignore[valid-type]
    trigger: Literal["message.created", "conversation.updated", "time.passed", "mention.created"] | None = (
        None
    )
    match: Literal["all", "any"] | None = None
    conditions: list[Any] | None = Field(default=None, max_length=100)
    actions: list[Any] | None = Field(default=None, max_length=50)
    enabled: bool | None = None
    order: Count | None = None
    position: Count | None = Field(default=None, description="the same as order")


class PreviewIn(RuleIn):
    limit: int = Field(default=svc.PREVIEW_DEFAULT, ge=1, le=svc.PREVIEW_MAX)


class ReorderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Id] = Field(max_length=10_000)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ColumnStr(WebhookSubscription.name) = ""  # type: ignore[valid-type]
    url: str = Field(min_length=8, max_length=1000)
    events: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(min_length=1, max_length=50)


def _rule_errors(call: Callable[[], Any], status: int = 200) -> Any:
    try:
        return jsonify(call()), status
    except svc.RuleInvalid as exc:
        return jsonify(error_body(exc)), 400


def _raw() -> dict[str, Any]:
    data = json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "invalid", N_("the body must be a JSON object"))
    return data


@endpoint("/rules", ["GET"], "List rules in evaluation order", response=RuleList)
def list_rules() -> Any:
    """Supervisors and admins only; each rule carries a sentence describing it."""
    return jsonify({"rules": svc.list_rules(inbox(), g.agent_id)})


@endpoint("/rules/vocabulary", ["GET"], "Fields, operators and actions a rule may use")
def vocabulary() -> Any:
    """What the rule editor builds its lists from; `label` and `help` beside each key are in the
    reader's language (`trigger_texts` for the triggers)."""
    return jsonify(rule_help.vocabulary(svc.vocabulary()))


@endpoint("/rules", ["POST"], "Create a rule", body=RuleIn, status=201, response=RuleOut)
def create_rule() -> Any:
    """Validated when saved: a 400 names the path of each problem (e.g. `conditions[1].value`)."""
    data = _raw()
    parse(RuleIn, data)
    return _rule_errors(lambda: svc.create_rule(inbox(), g.agent_id, data), 201)


@endpoint(
    "/rules/<int:rule_id>",
    ["PATCH"],
    "Change a rule (e.g. enable or disable it)",
    body=RuleIn,
    response=RuleOut,
)
def patch_rule(rule_id: int) -> Any:
    data = _raw()
    parse(RuleIn, data)
    return _rule_errors(lambda: svc.update_rule(inbox(), g.agent_id, rule_id, data))


@endpoint("/rules/<int:rule_id>", ["DELETE"], "Delete a rule", status=204)
def delete_rule(rule_id: int) -> Any:
    svc.delete_rule(inbox(), g.agent_id, rule_id)
    return "", 204


@endpoint("/rules/order", ["PUT"], "Set the evaluation order", body=ReorderIn, response=RuleList)
def reorder_rules() -> Any:
    """`ids` must list every rule exactly once."""
    ids = parse(ReorderIn, json_body()).ids
    return jsonify({"rules": svc.reorder_rules(inbox(), g.agent_id, ids)})


@endpoint("/rules/preview", ["POST"], "Dry-run a draft rule over recent messages", body=PreviewIn)
def preview_rule() -> Any:
    """Which of the last `limit` inbound messages would match, why, and what the rule would do. Writes nothing."""
    data = _raw()
    limit = parse(PreviewIn, data).limit
    draft = {k: v for k, v in data.items() if k != "limit"}
    return _rule_errors(lambda: svc.preview(inbox(), g.agent_id, draft, limit))


@endpoint("/webhooks", ["GET"], "List outbound webhook subscriptions", response=SubscriptionList)
def list_subscriptions() -> Any:
    return jsonify({"subscriptions": webhooks_out.list_subscriptions(inbox(), g.agent_id)})


@endpoint(
    "/webhooks",
    ["POST"],
    "Subscribe a URL to events",
    body=SubscriptionIn,
    status=201,
    response=SubscriptionOut,
)
def create_subscription() -> Any:
    """The signing secret is in this answer only; deliveries are signed like inbound webhooks."""
    b = parse(SubscriptionIn, json_body())
    return jsonify(webhooks_out.create_subscription(inbox(), g.agent_id, b.name, b.url, b.events)), 201


@endpoint("/webhooks/<int:sub_id>", ["DELETE"], "Remove a subscription", status=204)
def delete_subscription(sub_id: int) -> Any:
    webhooks_out.delete_subscription(inbox(), g.agent_id, sub_id)
    return "", 204


class DeliveriesQuery(QueryModel):
    status: Literal["queued", "sent", "failed"] | None = None
    limit: int = Field(default=100, ge=1, le=500)


@endpoint(
    "/webhooks/deliveries",
    ["GET"],
    "Outbound deliveries with their answers",
    query=DeliveriesQuery,
)
def list_deliveries() -> Any:
    q = query(DeliveriesQuery)
    return jsonify({"deliveries": webhooks_out.list_deliveries(inbox(), g.agent_id, q.status, q.limit)})


@endpoint("/webhooks/deliveries/<int:delivery_id>/replay", ["POST"], "Send a delivery again", status=201)
def replay_delivery(delivery_id: int) -> Any:
    """Queues a copy (the original and its answer stay on record)."""
    return jsonify(webhooks_out.replay(inbox(), g.agent_id, delivery_id)), 201
