"""The customers pages: the directory with its pickers, funnel and RFM grid, and one customer's page.

The list is rendered on the server from the same service as `GET /api/customers` (it works
without script and its counts are the API's); `customers_charts.js` draws the lifecycle funnel and
the RFM grid from `/api/analytics/funnel` and `/api/customers/facets`, each with its CSV beside it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, request
from flask_babel import lazy_gettext

from inbox.customers import facets, profile
from inbox.store.errors import NotFound
from web.api import query
from web.api.customers import DirectoryQuery, run_directory
from web.auth import inbox
from web.shell import require_role, shell_page

bp = Blueprint("pages_customers", __name__, template_folder="templates")

FILTER_KEYS = ("q", "vip", "stage", "segment", "value", "contact", "rfm_r", "rfm_f", "sort", "order", "limit")

VALUE_LABELS = {
    "none": lazy_gettext("No orders"),
    "under_100": lazy_gettext("Under 100"),
    "100_to_1000": lazy_gettext("100 to 1,000"),
    "1000_plus": lazy_gettext("1,000 and over"),
}
CONTACT_LABELS = {
    "7d": lazy_gettext("In the last 7 days"),
    "30d": lazy_gettext("8 to 30 days ago"),
    "90d": lazy_gettext("31 to 90 days ago"),
    "older": lazy_gettext("More than 90 days ago"),
    "never": lazy_gettext("Never"),
}
STAGE_LABELS = {
    "awareness": lazy_gettext("Awareness"),
    "engagement": lazy_gettext("Engagement"),
    "conversion": lazy_gettext("Conversion"),
    "retention": lazy_gettext("Retention"),
    "loyalty": lazy_gettext("Loyalty"),
    "churn_risk": lazy_gettext("Churn risk"),
}
SEGMENT_LABELS = {
    "champions": lazy_gettext("Champions"),
    "loyal": lazy_gettext("Loyal"),
    "potential_loyalist": lazy_gettext("Potential loyalists"),
    "new": lazy_gettext("New customers"),
    "at_risk": lazy_gettext("At risk"),
    "hibernating": lazy_gettext("Hibernating"),
    "lost": lazy_gettext("Lost"),
}
SORT_LABELS = {
    "newest": lazy_gettext("Newest"),
    "name": lazy_gettext("Name"),
    "value": lazy_gettext("Value"),
    "last_contact": lazy_gettext("Last contact"),
}


def _page_url(args: dict[str, str], **change: Any) -> str:
    merged = {**args, **{k: v for k, v in change.items() if v is not None}}
    return "/customers?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})


@bp.get("/customers")
def customers_page() -> Any:
    """The directory: pickers of values that exist, sortable columns, numbered pages."""
    me = require_role("supervisor")
    q = query(DirectoryQuery)
    if q.page is None and q.before is None:
        q = q.model_copy(update={"page": 1})
    data = run_directory(q, me["id"])
    picks = facets.facets(inbox(), me["id"])
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    pages = {
        "prev": _page_url(args, page=data["page"] - 1) if data["page"] and data["page"] > 1 else None,
        "next": _page_url(args, page=data["page"] + 1)
        if data["page"] and data["page"] < (data["pages"] or 1)
        else None,
        "older": _page_url(args, before=data["more_before"]) if data["more_before"] else None,
    }

    def sort_url(key: str) -> str:
        flip = "asc" if args.get("sort", "newest") == key and args.get("order", "desc") == "desc" else "desc"
        return _page_url({k: v for k, v in args.items() if k not in ("sort", "order")}, sort=key, order=flip)

    return shell_page(
        "customers.html",
        least="supervisor",
        me=me,
        data=data,
        args=args,
        picks=picks,
        pages=pages,
        sort_url=sort_url,
        value_labels=VALUE_LABELS,
        contact_labels=CONTACT_LABELS,
        sort_labels=SORT_LABELS,
        stage_labels=STAGE_LABELS,
        segment_labels=SEGMENT_LABELS,
    )


@bp.get("/customers/<int:customer_id>")
def customer_page(customer_id: int) -> Any:
    """One customer: identities, conversations, orders, answers, value and stage history."""
    me = require_role("supervisor")
    try:
        data = profile.customer_profile(inbox(), me["id"], customer_id)
    except NotFound:
        abort(404)
    if data["merged_into_id"]:
        return redirect(f"/customers/{data['merged_into_id']}")
    return shell_page(
        "customer.html",
        least="supervisor",
        me=me,
        c=data,
        stage_labels=STAGE_LABELS,
        segment_labels=SEGMENT_LABELS,
    )
