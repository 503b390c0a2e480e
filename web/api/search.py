"""Search endpoint: thin view over inbox.search."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from pydantic import Field

from inbox.search import service as svc
from web.api import endpoint, query
from web.api.validation import Id, QueryModel
from web.auth import inbox


class SearchQuery(QueryModel):
    q: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="words to find; each must occur (substring, any case); operators are searched for literally",
    )
    limit: int = Field(
        default=20, ge=1, le=svc.MAX_LIMIT, description="conversations (and customers) per page"
    )
    before: Id | None = Field(
        default=None,
        description="the `more_before` of the previous answer: the next page of conversations (older matches)",
    )


@endpoint("/search", ["GET"], "Search messages and customers", query=SearchQuery, errors=(404,))
def search() -> Any:
    """`{query, terms, conversations: [{conversation, message: {id, direction, public, created_at,
    snippet: [{text, match}]}, hits}], more_before, customers: [customer + identities]}`;
    conversations are ordered by their newest matching message and include only those the caller
    may see; `more_before` is null on the last page; customers come with the first page only."""
    q = query(SearchQuery)
    return jsonify(svc.search(inbox(), g.agent_id, q.q, q.limit, q.before))
