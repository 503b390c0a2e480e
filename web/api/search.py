"""Search endpoint: thin view over inbox.search.service."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from inbox.search import service as svc
from web.api import endpoint
from web.auth import inbox
from web.errors import ApiError

QUERY = {
    "q": "words to find; each must occur (substring, any case); operators are searched for literally",
    "limit": f"results per kind, 1 to {svc.MAX_LIMIT} (default 20)",
}


@endpoint("/search", ["GET"], "Search messages and customers", query=QUERY)
def search() -> Any:
    """`{query, terms, conversations: [{conversation, message: {id, direction, public, created_at,
    snippet: [{text, match}]}, hits}], customers: [customer + identities]}`; conversations are
    ordered by their newest matching message and include only those the caller may see."""
    raw = request.args.get("limit", "20") or "20"
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, "invalid", "limit must be a whole number", "limit") from None
    return jsonify(svc.search(inbox(), g.agent_id, request.args.get("q"), limit))
