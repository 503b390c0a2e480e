"""Canned replies: the reply box's `/` picker, and their management (supervisors and admins)."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from pydantic import Field

from inbox.admin import canned
from web.api import endpoint, json_body, parse, query
from web.api.admin_schemas import Canned, CannedIn, CannedList, Language
from web.api.validation import Id, QueryModel
from web.auth import inbox


class CannedQuery(QueryModel):
    q: str = Field(
        default="",
        max_length=200,
        description="text to find in the shortcut or the text (any case); empty lists all",
    )
    limit: int = Field(default=20, ge=1, le=200)
    language: Language | None = Field(
        default=None, description="offer each reply in this language when it has it"
    )
    conversation_id: Id | None = Field(
        default=None, description="offer each reply in this conversation's language when it has it"
    )
    all: bool = Field(
        default=False, description="supervisors and admins: every team's replies (the admin page)"
    )


@endpoint(
    "/canned-responses",
    ["GET"],
    "Canned responses, for the reply box's / picker",
    query=CannedQuery,
    response=CannedList,
)
def list_canned() -> Any:
    """`{canned_responses: [...]}`: yours and everyone's, those with a variant in the conversation's
    language first (their `text` is that variant), then shortcuts matching `q`, then by shortcut.

    Texts may hold `{name}`, `{customer}`, `{agent}` and `{channel}`; the inbox fills them in."""
    a = query(CannedQuery)
    rows = canned.offered(inbox(), g.agent_id, a.q, a.language, a.conversation_id, a.limit, a.all)
    return jsonify({"canned_responses": rows})


@endpoint(
    "/canned-responses",
    ["POST"],
    "Create a canned reply",
    body=CannedIn,
    status=201,
    response=Canned,
    errors=(404, 409),
)
def create_canned() -> Any:
    """A shortcut no other reply has, the default text, an optional team and per-language variants."""
    b = parse(CannedIn, json_body())
    return jsonify(canned.create(inbox(), g.agent_id, b.shortcut, b.text, b.team_id, b.variants)), 201


@endpoint(
    "/canned-responses/<int:canned_id>",
    ["PUT"],
    "Replace a canned reply",
    body=CannedIn,
    response=Canned,
    errors=(409,),
)
def put_canned(canned_id: int) -> Any:
    """Shortcut, text, team and variants all replaced (a variant left out is removed)."""
    b = parse(CannedIn, json_body())
    return jsonify(canned.update(inbox(), g.agent_id, canned_id, b.shortcut, b.text, b.team_id, b.variants))


@endpoint("/canned-responses/<int:canned_id>", ["DELETE"], "Delete a canned reply", status=204)
def delete_canned(canned_id: int) -> Any:
    """Gone from every picker at once."""
    canned.delete(inbox(), g.agent_id, canned_id)
    return "", 204
