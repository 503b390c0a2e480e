"""The REST API blueprint, and the registry that builds its OpenAPI document from the code itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError

from web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")
SPEC: list[dict[str, Any]] = []


def parse(model: type[BaseModel], data: Any) -> Any:
    """Validate input with pydantic; the first problem becomes a 400 naming its field."""
    if data is None:
        raise ApiError(400, "invalid", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        raise ApiError(400, "invalid", f"{field}: {err['msg']}" if field else err["msg"], field) from None


def json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid", "the body must be JSON with Content-Type: application/json")
    return data


def endpoint(
    rule: str,
    methods: list[str],
    summary: str,
    body: type[BaseModel] | None = None,
    query: dict[str, str] | None = None,
    public: bool = False,
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on the blueprint and describe it for /api/openapi.json."""

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        SPEC.append(
            {
                "rule": "/api" + rule,
                "methods": methods,
                "summary": summary,
                "body": body,
                "query": query or {},
                "public": public,
                "status": status,
                "doc": (view.__doc__ or "").strip(),
            }
        )
        bp.add_url_rule(rule, view_func=view, methods=methods)
        return view

    return deco


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document, generated from the registered endpoints and their pydantic models."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": ["string", "null"]},
                    },
                }
            },
        }
    }
    for e in SPEC:
        path = e["rule"].replace("<int:", "{").replace("<", "{").replace(">", "}")
        params = [
            {"name": p.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
            for p in path.split("/")
            if p.startswith("{")
        ]
        params += [
            {"name": k, "in": "query", "required": False, "schema": {"type": "string"}, "description": v}
            for k, v in e["query"].items()
        ]
        for method in e["methods"]:
            op: dict[str, Any] = {
                "summary": e["summary"],
                "description": e["doc"],
                "parameters": params,
                "responses": {
                    str(e["status"]): {
                        "description": "OK",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": {
                        "description": "Invalid input",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "401": {
                        "description": "Not authenticated",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
            if not e["public"]:
                op["security"] = [{"bearer": []}, {"session": []}]
            if e["body"] is not None:
                name = e["body"].__name__
                schema = e["body"].model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[name] = schema
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                }
            paths.setdefault(path, {})[method.lower()] = op
    return jsonify(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Murmur API",
                "version": "0.1.0",
                "description": 'Social CRM and support inbox. Errors are {"error": {code, message, field}}.',
            },
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                },
            },
        }
    )


def load_views() -> None:
    """Import the view modules so their endpoints register (once)."""
    from web.api import (  # noqa: F401, I001
        admin,
        analytics,
        channels,
        conversations,
        customers,
        dashboard,
        me,
        rules,
        sla,
        search,
        merge,
        bulk,
        canned,
        attachments,
    )
