"""The REST API blueprint, and the registry that builds its OpenAPI document from the code itself.

Each view is registered with `endpoint(...)`, which records what it takes (body and query models),
what it answers (response model, error statuses) and how large a body it accepts; the
document at /api/openapi.json is generated from those same records (`web.api.openapi`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from pydantic import BaseModel

from web.api.validation import json_body, parse, query
from web.limits import BODY_LIMITS

__all__ = ["SPEC", "bp", "endpoint", "json_body", "parse", "query"]

bp = Blueprint("api", __name__, url_prefix="/api")
SPEC: list[dict[str, Any]] = []


def endpoint(
    rule: str,
    methods: list[str],
    summary: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | dict[str, str] | None = None,
    public: bool = False,
    status: int = 200,
    response: type[BaseModel] | dict[str, Any] | None = None,
    errors: tuple[int, ...] = (),
    max_body: int | None = None,
    content_type: str = "application/json",
    csv: bool = False,
    form: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on the blueprint and describe it for /api/openapi.json.

    `query` is a model of the query string (typed and bounded; read it with `query(Model)`);
    `response` the model (or JSON schema) of a successful answer; `errors` the statuses beyond
    those every endpoint may give (400 on bad input, 401/403 for access, 404 for a missing path
    id, 413 for a body over `max_body` bytes, 1 MiB unless given); `csv` when `format=csv` answers text/csv.
    """

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        SPEC.append(
            {
                "rule": "/api" + rule,
                "methods": methods,
                "summary": summary,
                "body": body,
                "query": query,
                "public": public,
                "status": status,
                "response": response,
                "errors": errors,
                "content_type": content_type,
                "csv": csv,
                "form": form,
                "doc": (view.__doc__ or "").strip(),
            }
        )
        bp.add_url_rule(rule, view_func=view, methods=methods)
        if max_body is not None:
            BODY_LIMITS[f"{bp.name}.{view.__name__}"] = max_body
        return view

    return deco


def load_views() -> None:
    """Import the view modules so their endpoints register (once)."""
    from web.api import (  # noqa: F401, I001
        admin,
        analytics,
        channels,
        conversations,
        customers,
        digest,
        dashboard,
        dashboard_charts,
        reports,
        me,
        rules,
        sla,
        search,
        merge,
        bulk,
        canned,
        attachments,
        sentiment_models,
        listening,
        openapi,
    )
