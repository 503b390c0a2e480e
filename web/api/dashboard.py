"""Dashboard endpoints: figures, the messages behind each figure, and CSV of every table view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from flask import Response, g, jsonify
from pydantic import Field

from inbox.insights import reporting
from inbox.insights.reporting_filters import Drill, Filters, make_filters
from inbox.store.csv_cells import csv_text
from inbox.store.limits import INT32_MAX
from inbox.store.models import Conversation, ConversationLabel, Message
from web.api import endpoint, query
from web.api.validation import ID_DIGITS, ColumnStr, Id, QueryModel, Time
from web.auth import inbox


class DashboardQuery(QueryModel):
    from_: Time | None = Field(
        default=None,
        alias="from",
        description="ISO 8601 date or date-time (UTC when no offset); default 7 days before `to`",
    )
    to: Time | None = Field(default=None, description="ISO 8601 date or date-time, exclusive; default now")
    channel: ColumnStr(Conversation.channel) | None = Field(  # type: ignore[valid-type]
        default=None, description="channel kind, e.g. mastodon"
    )
    language: ColumnStr(Message.language) | None = Field(  # type: ignore[valid-type]
        default=None, description="message language, e.g. en"
    )
    bucket: Literal["hour", "day", "week"] | None = Field(
        default=None, description="hour, day or week (default: hour for two days or less, else day)"
    )
    format: Literal["json", "csv"] = "json"


class DrillQuery(DashboardQuery):
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    term: str | None = Field(
        default=None, max_length=200, description="a term or #hashtag (as listed in rising_terms)"
    )
    author: Id | None = Field(default=None, description="author identity id")
    message: Id | None = Field(default=None, description="one message id")
    conversation: Id | None = Field(default=None, description="conversation id")
    alert: Id | None = Field(default=None, description="spike alert id: the messages it counted")
    sla: (
        Literal["first_response_met", "first_response_breached", "resolution_met", "resolution_breached"]
        | None
    ) = None
    survey: Literal["csat", "nps", "detractor", "any"] | None = None
    survey_group: str | None = Field(
        default=None,
        pattern=f"^((agent|team):{ID_DIGITS}|channel:[^:\\u0000]{{1,30}})$",
        description="agent:<id>, team:<id> or channel:<name>",
    )
    label: ColumnStr(ConversationLabel.label) | None = Field(  # type: ignore[valid-type]
        default=None, description="conversation label: the messages of conversations carrying it"
    )
    limit: int = Field(default=200, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=INT32_MAX)


TABLES = {
    "volume": lambda d: [
        {k: v for k, v in r.items() if not k.startswith("drill") and k != "percent"}
        | {f"{k}_percent": v for k, v in r["percent"].items()}
        for r in d["volume"]
    ],
    "top_negative": lambda d: [_flat_message(m) for m in d["top_negative"]],
    "top_positive": lambda d: [_flat_message(m) for m in d["top_positive"]],
    "influencers_reach": lambda d: _strip(d["influencers"]["by_reach"]),
    "influencers_messages": lambda d: _strip(d["influencers"]["by_messages"]),
    "rising_terms": lambda d: _strip(d["rising_terms"]),
    "surveys_over_time": lambda d: [_flat_survey(r) for r in d["surveys"]["over_time"]],
    "surveys_by_agent": lambda d: [_flat_survey(r) for r in d["surveys"]["by_agent"]],
    "surveys_by_team": lambda d: [_flat_survey(r) for r in d["surveys"]["by_team"]],
    "surveys_by_channel": lambda d: [_flat_survey(r) for r in d["surveys"]["by_channel"]],
    "alerts": lambda d: [
        {**r, "message_ids": " ".join(map(str, r["message_ids"]))} for r in _strip(d["alerts"])
    ],
}


def _strip(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("drill")} for r in rows]


def _flat_message(m: dict[str, Any]) -> dict[str, Any]:
    author = m.get("author") or {}
    return {
        "id": m["id"],
        "conversation_id": m["conversation_id"],
        "created_at": m["created_at"],
        "channel": m["channel"],
        "language": m["language"],
        "sentiment": m["sentiment"],
        "sentiment_label": m["sentiment_label"],
        "author_handle": author.get("handle"),
        "author_followers": author.get("followers"),
        "text": m["text"],
    }


def _flat_survey(r: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if k not in ("csat", "nps") and not k.startswith("drill")}
    out.update({f"csat_{k}": v for k, v in r["csat"].items()})
    out.update({f"nps_{k}": v for k, v in r["nps"].items()})
    return out


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    """Rows as a CSV download (columns from the first row), every cell spreadsheet-safe."""
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def filters_from_request() -> Filters:
    q = query(DashboardQuery)
    return make_filters(inbox().clock(), q.from_, q.to, q.channel, q.language, q.bucket)


def drill_from_request() -> Drill:
    """The drill key of a "which messages are behind this figure" request (API and page alike)."""
    q = query(DrillQuery)
    return Drill(
        sentiment=q.sentiment,
        term=q.term,
        author=q.author,
        message=q.message,
        conversation=q.conversation,
        alert=q.alert,
        sla=q.sla,
        survey=q.survey,
        survey_group=q.survey_group,
        label=q.label,
        limit=q.limit,
        offset=q.offset,
    )


def wants_csv() -> bool:
    return query(DashboardQuery).format == "csv"


class TableQuery(DashboardQuery):
    table: Literal[tuple(TABLES)] = Field(default="volume", description="with format=csv, which table")  # type: ignore[valid-type]


@endpoint(
    "/dashboard",
    ["GET"],
    "Reputation dashboard figures",
    query=TableQuery,
    csv=True,
)
def dashboard() -> Any:
    """Volume and sentiment over time, shares, net sentiment, top mentions, influencers, rising terms,
    response and resolution times against SLA, CSAT and NPS. Each figure has a `drill` with the query
    of /api/dashboard/messages that lists its messages. Supervisors and admins only."""
    table = query(TableQuery).table  # validated even without format=csv: a bad name is a 400
    data = reporting.dashboard(inbox(), g.agent_id, filters_from_request())
    if wants_csv():
        return csv_response(TABLES[table](data), f"murmur-{table}.csv")
    return jsonify(data)


@endpoint(
    "/dashboard/messages",
    ["GET"],
    "The messages behind a dashboard figure",
    query=DrillQuery,
    csv=True,
    errors=(404,),  # a drill id (alert, message, ...) that does not exist
)
def dashboard_messages() -> Any:
    """Inbound messages matching the dashboard filters and one drill key, newest first."""
    d = drill_from_request()
    rows = reporting.messages(inbox(), g.agent_id, filters_from_request(), d)
    if wants_csv():
        return csv_response([_flat_message(m) for m in rows], "murmur-messages.csv")
    return jsonify({"messages": rows, "count": len(rows)})
