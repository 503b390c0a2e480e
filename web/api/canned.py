"""Canned responses for the reply box's `/` picker: a thin read over the shared list."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import Field
from sqlalchemy import or_, select

from inbox.store.models import CannedResponse
from web.api import endpoint, query
from web.api.validation import QueryModel
from web.auth import inbox


class CannedQuery(QueryModel):
    q: str = Field(
        default="",
        max_length=200,
        description="text to find in the shortcut or the text (any case); empty lists all",
    )
    limit: int = Field(default=20, ge=1, le=50)


@endpoint("/canned-responses", ["GET"], "Canned responses, for the reply box's / picker", query=CannedQuery)
def list_canned() -> Any:
    """`{canned_responses: [{id, shortcut, text}]}`, shortcuts matching `q` first, then by shortcut.

    Texts may hold variables such as `{name}`; the inbox fills them in for the open conversation."""
    args = query(CannedQuery)
    q, limit = args.q.strip().lower()[:60], args.limit
    stmt = select(CannedResponse).order_by(CannedResponse.shortcut)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                CannedResponse.shortcut.ilike(like, escape="\\"), CannedResponse.text.ilike(like, escape="\\")
            )
        )
    with inbox().read() as s:
        rows = [{"id": c.id, "shortcut": c.shortcut, "text": c.text} for c in s.scalars(stmt.limit(200))]
    if q:
        rows.sort(key=lambda c: (not c["shortcut"].lower().startswith(q), q not in c["shortcut"].lower()))
    return jsonify({"canned_responses": rows[:limit]})
