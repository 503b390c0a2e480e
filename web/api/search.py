"""Search endpoint: thin view over inbox.search.service."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from pydantic import Field

from inbox.search import service as svc
from web.api import endpoint, query
from web.api.validation import QueryModel
from web.auth import inbox


class SearchQuery(QueryModel):
    q: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="words to find; each must occur (substring, any case); operators are searched for literally",
    )
    limit: int = Field(default=20, ge=1, le=svc.MAX_LIMIT, description="results per kind")


@endpoint("/search", ["GET"], "Search messages and customers", query=SearchQuery)
def search() -> Any:
    """`{query, terms, conversations: [{conversation, message: {id, direction, public, created_at,
    snippet: [{text, match}]}, hits}], customers: [customer + identities]}`; conversations are
    ordered by their newest matching message and include only those the caller may see."""
    q = query(SearchQuery)
    return jsonify(svc.search(inbox(), g.agent_id, q.q, q.limit))
