"""Analytics endpoints: order import, lifecycle funnel, win-back list."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field, model_validator

from inbox.customers import orders
from inbox.insights import lifecycle_service, reporting_winback
from inbox.insights.analytics.orders_csv import CustomerRef, OrderRow
from inbox.insights.reporting_filters import check_supervisor
from web.api import endpoint, json_body, parse, query
from web.api.dashboard import csv_response
from web.api.validation import Id, QueryModel, Time
from web.auth import inbox
from web.limits import MIB

# Amounts are sent as decimal strings ("19.99"); numbers are accepted too, but a float cannot say
# "two decimal places" exactly, so the document describes the string.
AMOUNT_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$"}


class OrderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["customer_id"], "properties": {"customer_id": {"type": "integer"}}},
                {
                    "required": ["customer_email"],
                    "properties": {"customer_email": {"type": "string", "minLength": 1}},
                },
                {"required": ["handle"], "properties": {"handle": {"type": "string", "minLength": 1}}},
            ]
        },
    )
    order_id: str | None = Field(default=None, max_length=100)
    customer_id: Id | None = None
    customer_email: str | None = Field(default=None, max_length=254)
    handle: str | None = Field(default=None, max_length=255)
    amount: Decimal = Field(
        ge=0,
        max_digits=12,
        decimal_places=2,
        json_schema_extra=lambda schema: schema.clear() or schema.update(AMOUNT_SCHEMA),
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    ordered_at: Time

    @model_validator(mode="after")
    def _one_reference(self) -> OrderIn:
        if self.customer_id is None and not self.customer_email and not self.handle:
            raise ValueError("give customer_id, customer_email or handle")
        return self


class OrdersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    orders: list[OrderIn] = Field(min_length=1, max_length=10_000)


def _row(i: int, o: OrderIn) -> OrderRow:
    if o.customer_id is not None:
        ref = CustomerRef("customer_id", str(o.customer_id))
    elif o.customer_email:
        ref = CustomerRef("customer_email", o.customer_email.strip().lower())
    else:
        ref = CustomerRef("handle", (o.handle or "").lstrip("@"))
    at = o.ordered_at if o.ordered_at.tzinfo else o.ordered_at.replace(tzinfo=UTC)
    return OrderRow(i, ref, o.amount, o.currency, at.astimezone(UTC), o.order_id)


@endpoint("/orders", ["POST"], "Import orders (JSON)", body=OrdersIn, max_body=4 * MIB)
def post_orders() -> Any:
    """Idempotent on order_id. Rejected items come back with their 1-based position as `line`.
    Supervisors and admins only; customer values and stages are recomputed afterwards."""
    body = parse(OrdersIn, json_body())
    with inbox().read() as s:
        check_supervisor(s, g.agent_id)
    result = orders.import_rows(inbox(), [_row(i + 1, o) for i, o in enumerate(body.orders)])
    return jsonify(result.as_dict())


class FunnelQuery(QueryModel):
    from_: Time | None = Field(default=None, alias="from", description="ISO date (default 30 days ago)")
    to: Time | None = Field(default=None, description="ISO date (default now)")


@endpoint(
    "/analytics/funnel",
    ["GET"],
    "Lifecycle funnel over a period",
    query=FunnelQuery,
)
def funnel() -> Any:
    """Counts and conversion between lifecycle stages for customers with a stage change in the period."""
    q = query(FunnelQuery)
    end = q.to or inbox().clock()
    start = q.from_ or end - timedelta(days=30)
    return jsonify(lifecycle_service.funnel_report(inbox(), g.agent_id, start, end))


class WinbackQuery(QueryModel):
    format: Literal["json", "csv"] = "json"


@endpoint("/winback", ["GET"], "Churn-risk customers to win back", query=WinbackQuery, csv=True)
def winback() -> Any:
    """Churn-risk customers with the reason and their last conversations; CSV with format=csv."""
    wants = query(WinbackQuery).format == "csv"
    rows = reporting_winback.churn_risk(inbox(), g.agent_id)
    if wants:
        flat = [
            {
                **{k: v for k, v in r.items() if k != "conversations"},
                "conversation_ids": " ".join(str(c["id"]) for c in r["conversations"]),
            }
            for r in rows
        ]
        return csv_response(flat, "murmur-winback.csv")
    return jsonify({"customers": rows, "count": len(rows)})
