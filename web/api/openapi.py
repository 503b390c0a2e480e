"""/api/openapi.json: the OpenAPI 3.1 document, generated from the registered endpoints.

Request bodies, query parameters and response bodies come from the pydantic models the views
read and answer with, so the document cannot drift from the code; every status an endpoint can
give is listed with the error schema. A test runs Schemathesis against the live app with it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify
from pydantic import BaseModel

from inbox.store.limits import INT32_MAX
from web.api import SPEC, bp
from web.api.validation import query_parameters

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `error.field` names the first bad field",
    401: "Not authenticated (or, for a webhook, a bad or missing signature)",
    403: "Authenticated, but this agent's role or teams do not allow it",
    404: "No such resource (or an id that cannot exist)",
    409: "Conflicts with the resource's current state",
    413: "The body is larger than this endpoint accepts",
    415: "A file of a type this endpoint does not accept",
    429: "This token made more calls than its limit allows: retry after `Retry-After` seconds",
    502: "The network (e.g. WhatsApp) could not answer the question asked on the agent's behalf",
    503: "SQLite's write lock stayed busy: retry after `Retry-After` seconds; nothing was stored",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. invalid, not_found"},
                "message": {"type": "string", "description": "for people"},
                "field": {"type": ["string", "null"], "description": "the bad field, e.g. orders[3].amount"},
                "errors": {
                    "type": "array",
                    "description": "every problem, when there are several (rules, SLA policies, webhook batches)",
                    "items": {"type": "object"},
                },
            },
        }
    },
}
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _model_schema(model: type[BaseModel], schemas: dict[str, Any], mode: str) -> dict[str, Any]:
    """A $ref to the model's schema, adding it (and the models it uses) to the components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _statuses(e: dict[str, Any], method: str, has_path_params: bool) -> list[int]:
    codes = set(e["errors"])
    has_input = e["body"] is not None or e.get("form") is not None or bool(e["query"]) or has_path_params
    if has_input or method not in ("GET", "HEAD"):
        codes.add(400)  # bad input; for a cookie session, a missing CSRF token
    if not e["public"]:
        codes.update((401, 403, 429))  # 429: a bearer token over its rate limit (web.ratelimits)
    if has_path_params:
        codes.add(404)
    if method in ("POST", "PUT", "PATCH"):
        codes.add(413)
    return sorted(codes)


def operation(e: dict[str, Any], method: str, path: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """One operation object of the document."""
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
            if conv == "int"
            else {"type": "string"},
        }
        for conv, name in _PATH_PARAM.findall(e["rule"])
    ]
    q = e["query"]
    if isinstance(q, type) and issubclass(q, BaseModel):
        params += query_parameters(q)
    elif q:  # a plain {name: description} (not yet typed)
        params += [
            {"name": k, "in": "query", "required": False, "schema": {"type": "string"}, "description": v}
            for k, v in q.items()
        ]
    ok: dict[str, Any] = {"description": "OK"}
    if e["status"] != 204:
        r = e["response"]
        schema = (
            _model_schema(r, schemas, "serialization")
            if isinstance(r, type) and issubclass(r, BaseModel)
            else (r or {"type": "object"})
        )
        ok["content"] = {e["content_type"]: {"schema": schema}}
        if e["csv"]:
            ok["content"]["text/csv"] = {"schema": {"type": "string", "description": "with format=csv"}}
    responses: dict[str, Any] = {str(e["status"]): ok}
    for code in _statuses(e, method, any(p["in"] == "path" for p in params)):
        responses[str(code)] = {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "summary": e["summary"],
        "description": e["doc"],
        "parameters": params,
        "responses": responses,
    }
    if not e["public"]:
        op["security"] = [{"bearer": []}, {"session": []}]
    if e.get("form") is not None:  # a file upload: multipart/form-data with the given fields
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": e["form"]}}}
    if e["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _model_schema(e["body"], schemas, "validation")}},
        }
    return op


# No string Murmur takes may hold a NUL (PostgreSQL cannot store one); said on every free string.
NO_NUL = "^[^\u0000]*$"


def _no_nul(node: Any) -> None:
    """Add NO_NUL to every string schema that does not already constrain its characters, and to
    every object's keys."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"enum", "const", "pattern", "format"} & node.keys():
            node["pattern"] = NO_NUL
        if node.get("type") == "object" and "propertyNames" not in node:
            node["propertyNames"] = {"pattern": NO_NUL}  # keys are strings too (`settings`, `secrets`)
        for value in node.values():
            _no_nul(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul(value)


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for e in SPEC:
        path = _PATH_PARAM.sub(r"{\2}", e["rule"])
        for method in e["methods"]:
            paths.setdefault(path, {})[method.lower()] = operation(e, method, path, schemas)
    _no_nul(schemas)
    for item in paths.values():
        for op in item.values():
            _no_nul(op["parameters"])
    return {
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


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 document, generated from the registered endpoints and their pydantic models."""
    return jsonify(document())
