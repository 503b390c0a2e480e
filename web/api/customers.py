"""Customer endpoints."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from inbox.customers import history as svc
from web.api import endpoint
from web.api.schemas import CustomerDetail
from web.auth import inbox


@endpoint(
    "/customers/<int:customer_id>",
    ["GET"],
    "A customer with identities and full cross-channel history",
    response=CustomerDetail,
)
def get_customer(customer_id: int) -> Any:
    return jsonify(svc.get_customer(inbox(), g.agent_id, customer_id))
