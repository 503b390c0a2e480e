"""The weekly digest: a manager's choice of figures, and the digest itself as PDF."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response, g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from inbox.insights.digest import render
from inbox.insights.digest import service as digests
from inbox.mail import words
from inbox.store.access import require_manager
from web.api import endpoint, json_body, parse, query
from web.api.validation import QueryModel
from web.auth import inbox


class DigestSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = Field(description="mail the digest every Monday")
    figures: list[str] = Field(max_length=50, description="figure keys, in the order to show them")


class DigestSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    enabled: bool
    figures: list[str]
    available: list[dict[str, Any]]
    last_sent: str | None


class DigestPdfQuery(QueryModel):
    week: date | None = Field(default=None, description="a day of the week to report (default: last week)")


@endpoint(
    "/digest/settings",
    ["GET"],
    "The signed-in manager's weekly digest settings and the figures they can choose",
    response=DigestSettings,
    errors=(403,),
)
def get_digest_settings() -> Any:
    return jsonify(digests.get_settings(inbox(), g.agent_id))


@endpoint(
    "/digest/settings",
    ["PUT"],
    "Choose the weekly digest's figures and switch it on or off",
    body=DigestSettingsIn,
    response=DigestSettings,
    errors=(403,),
)
def put_digest_settings() -> Any:
    """An unknown figure key is a 400 naming `figures`; nothing is stored then."""
    body = parse(DigestSettingsIn, json_body())
    return jsonify(digests.save_settings(inbox(), g.agent_id, body.enabled, body.figures))


def pdf_response(agent_id: int, day: date | None) -> Response:
    """The digest of the week (Monday to Sunday) holding `day`, last week by default, as a download."""
    start = digests.last_week(inbox().clock()) if day is None else day - timedelta(days=day.weekday())
    digest = digests.build(inbox(), agent_id, start)
    return Response(
        render.render_pdf(digest, words.translations(inbox(), digest.lang)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="murmur-digest-{start.isoformat()}.pdf"'},
    )


@endpoint(
    "/digest.pdf",
    ["GET"],
    "The signed-in manager's weekly digest as PDF",
    query=DigestPdfQuery,
    errors=(403,),
    response={"type": "string", "format": "binary"},
    content_type="application/pdf",
)
def digest_pdf() -> Any:
    with inbox().read() as s:
        require_manager(s, g.agent_id)
    return pdf_response(g.agent_id, query(DigestPdfQuery).week)
