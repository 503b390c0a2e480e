"""API tokens and the audit log over HTTP: thin views over inbox.admin.tokens and .audit."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from inbox.admin import audit, tokens
from inbox.admin.teams import require_admin
from web.api import endpoint, json_body, parse, query
from web.api.admin_schemas import AuditPage, AuditQuery, NewToken, TokenIn, TokenList
from web.auth import inbox


@endpoint("/admin/tokens", ["GET"], "API tokens (never their secrets)", response=TokenList)
def list_tokens() -> Any:
    """Every token, newest first, with its scopes, expiry, last use (to the minute) and state."""
    return jsonify({"tokens": tokens.listing(inbox(), g.agent_id)})


@endpoint(
    "/admin/tokens",
    ["POST"],
    "Create an API token",
    body=TokenIn,
    status=201,
    response=NewToken,
    errors=(404,),
)
def create_token() -> Any:
    """`secret` is in this answer only. Scopes: `read` (GET), `write` (changes), `admin` (the admin
    console, channels and webhooks; needs `write` too)."""
    b = parse(TokenIn, json_body())
    require_admin(inbox(), g.agent_id)
    return jsonify(
        tokens.issue(inbox(), g.agent_id, b.agent_id or g.agent_id, b.name, list(b.scopes), b.expires_at)
    ), 201


@endpoint("/admin/tokens/<int:token_id>/revoke", ["POST"], "Revoke an API token", response=TokenList)
def revoke_token(token_id: int) -> Any:
    """Effective on the token's next request (401), in every web process. Revoking twice is harmless."""
    require_admin(inbox(), g.agent_id)
    tokens.revoke(inbox(), g.agent_id, token_id)
    return jsonify({"tokens": tokens.listing(inbox(), g.agent_id)})


@endpoint(
    "/admin/audit", ["GET"], "The audit log: who changed what and when", query=AuditQuery, response=AuditPage
)
def audit_log() -> Any:
    """Newest first, filtered by actor, object (or kind of object), action (or family) and time;
    page with `before_id`."""
    require_admin(inbox(), g.agent_id)
    q = query(AuditQuery)
    f = audit.AuditFilter(q.actor_id, q.target, q.action, q.since, q.until, q.before_id, q.limit)
    return jsonify(audit.entries(inbox(), f))
