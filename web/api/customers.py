"""Customer endpoints."""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import Field

from inbox.customers import directory
from inbox.customers import history as svc
from inbox.insights.analytics.lifecycle import Stage
from web.api import endpoint, query
from web.api.schemas import CustomerDetail, CustomerList
from web.api.validation import Id, QueryModel
from web.auth import inbox

STAGES = tuple(s.value for s in Stage)


class DirectoryQuery(QueryModel):
    q: str | None = Field(default=None, max_length=200, description="part of the name or email, any case")
    vip: bool | None = Field(default=None, description="only VIPs (true) or only others (false)")
    stage: Literal[STAGES] | None = Field(default=None, description="lifecycle stage")  # type: ignore[valid-type]
    before: Id | None = Field(default=None, description="the `more_before` of the previous page")
    limit: int = Field(default=50, ge=1, le=directory.MAX_LIMIT)


@endpoint(
    "/customers",
    ["GET"],
    "The customer directory, newest first (supervisors and admins)",
    query=DirectoryQuery,
    response=CustomerList,
    errors=(403,),
)
def list_customers() -> Any:
    """Each customer with a few identities, their open conversations and the latest one's id."""
    q = query(DirectoryQuery)
    return jsonify(
        directory.list_customers(
            inbox(), g.agent_id, q=q.q, vip=q.vip, stage=q.stage, before=q.before, limit=q.limit
        )
    )


@endpoint(
    "/customers/<int:customer_id>",
    ["GET"],
    "A customer with identities and full cross-channel history",
    response=CustomerDetail,
)
def get_customer(customer_id: int) -> Any:
    return jsonify(svc.get_customer(inbox(), g.agent_id, customer_id))
