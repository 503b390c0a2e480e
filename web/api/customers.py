"""Customer endpoints: the directory (search, filters, sorts, pages), its pickers and RFM grid,
one customer's whole profile."""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import Field

from inbox.customers import directory, facets, profile
from inbox.customers import history as svc
from inbox.insights.analytics.lifecycle import Stage
from inbox.insights.analytics.rfm import Segment
from web.api import endpoint, query
from web.api.dashboard import csv_response
from web.api.schemas import CustomerDetail, CustomerList
from web.api.validation import Id, QueryModel
from web.auth import inbox

STAGES = tuple(s.value for s in Stage)
SEGMENTS = tuple(s.value for s in Segment)
VALUE_BANDS = tuple(directory.VALUE_BANDS)
CONTACT_BANDS = tuple(directory.CONTACT_BANDS)


class DirectoryQuery(QueryModel):
    q: str | None = Field(default=None, max_length=200, description="part of the name or email, any case")
    vip: bool | None = Field(default=None, description="only VIPs (true) or only others (false)")
    stage: Literal[STAGES] | None = Field(default=None, description="lifecycle stage")  # type: ignore[valid-type]
    segment: Literal[SEGMENTS] | None = Field(default=None, description="RFM segment")  # type: ignore[valid-type]
    value: Literal[VALUE_BANDS] | None = Field(  # type: ignore[valid-type]
        default=None, description="CLV band: none (no orders), under_100, 100_to_1000, 1000_plus"
    )
    contact: Literal[CONTACT_BANDS] | None = Field(  # type: ignore[valid-type]
        default=None, description="last contact: within 7d, 7-30d (30d), 30-90d (90d), older, never"
    )
    rfm_r: int | None = Field(default=None, ge=1, le=5, description="RFM recency score (a grid cell)")
    rfm_f: int | None = Field(default=None, ge=1, le=5, description="RFM frequency score (a grid cell)")
    sort: Literal[directory.SORTS] = Field(default="newest", description="newest, name, value, last_contact")  # type: ignore[valid-type]
    order: Literal["desc", "asc"] = "desc"
    page: int | None = Field(default=None, ge=1, le=100_000, description="1-based page (any sort)")
    before: Id | None = Field(default=None, description="the `more_before` of the previous page")
    limit: int = Field(default=50, ge=1, le=directory.MAX_LIMIT)
    format: Literal["json", "csv"] = "json"

    def where(self) -> directory.DirectoryFilter:
        return directory.DirectoryFilter(
            q=self.q,
            vip=self.vip,
            stage=self.stage,
            segment=self.segment,
            value=self.value,
            contact=self.contact,
            rfm_r=self.rfm_r,
            rfm_f=self.rfm_f,
        )


def run_directory(q: DirectoryQuery, agent_id: int) -> dict[str, Any]:
    """The directory for a parsed query (the API and the page share it)."""
    return directory.list_customers(
        inbox(),
        agent_id,
        where=q.where(),
        sort=q.sort,
        descending=q.order == "desc",
        page=q.page,
        before=q.before,
        limit=q.limit,
    )


@endpoint(
    "/customers",
    ["GET"],
    "The customer directory: search, filters, sorts, pages (supervisors and admins)",
    query=DirectoryQuery,
    response=CustomerList,
    errors=(403,),
    csv=True,
)
def list_customers() -> Any:
    """Each customer with a few identities, their open conversations and the latest one's id."""
    q = query(DirectoryQuery)
    data = run_directory(q, g.agent_id)
    if q.format == "csv":
        flat = [
            {
                "id": c["id"],
                "name": c["name"],
                "email": c["email"],
                "stage": c["lifecycle_stage"],
                "segment": c["rfm_segment"],
                "clv": c["clv"],
                "vip": c["vip"],
                "last_seen_at": c["last_seen_at"],
                "open_conversations": c["open_conversations"],
            }
            for c in data["customers"]
        ]
        return csv_response(flat, "murmur-customers.csv")
    return jsonify(data)


@endpoint(
    "/customers/facets",
    ["GET"],
    "What the directory can be filtered by, counted, and the RFM grid (supervisors and admins)",
    errors=(403,),
)
def customer_facets() -> Any:
    """Only values with customers are listed, so a picker never offers an empty choice."""
    return jsonify(facets.facets(inbox(), g.agent_id))


@endpoint(
    "/customers/<int:customer_id>",
    ["GET"],
    "A customer with identities and full cross-channel history",
    response=CustomerDetail,
)
def get_customer(customer_id: int) -> Any:
    return jsonify(svc.get_customer(inbox(), g.agent_id, customer_id))


@endpoint(
    "/customers/<int:customer_id>/profile",
    ["GET"],
    "A customer's page: identities, conversations, orders, survey answers, value, stage history",
    errors=(403,),
)
def get_profile(customer_id: int) -> Any:
    """Supervisors and admins; conversations limited to those the reader may see."""
    return jsonify(profile.customer_profile(inbox(), g.agent_id, customer_id))
