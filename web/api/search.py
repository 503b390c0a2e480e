"""Search endpoint: thin view over inbox.search."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from inbox.search import service as svc
from web.api import endpoint
from web.auth import inbox
from web.errors import ApiError

QUERY = {
    "q": "words to find; each must occur (substring, any case); operators are searched for literally",
    "limit": f"conversations (and customers) per page, 1 to {svc.MAX_LIMIT} (default 20)",
    "before": "the `more_before` of the previous answer: the next page of conversations (older matches)",
}


def _whole(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be a whole number", name) from None


@endpoint("/search", ["GET"], "Search messages and customers", query=QUERY)
def search() -> Any:
    """`{query, terms, conversations: [{conversation, message: {id, direction, public, created_at,
    snippet: [{text, match}]}, hits}], more_before, customers: [customer + identities]}`;
    conversations are ordered by their newest matching message and include only those the caller
    may see; `more_before` is null on the last page; customers come with the first page only."""
    limit = _whole("limit", 20)
    return jsonify(svc.search(inbox(), g.agent_id, request.args.get("q"), limit, _whole("before", None)))
