"""Dashboard endpoints: figures, the messages behind each figure, and CSV of every table view."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Response, g, jsonify, request

from inbox.insights import reporting
from inbox.insights.reporting_filters import Drill, Filters, make_filters
from web.api import endpoint
from web.auth import inbox
from web.errors import ApiError

FILTERS = {
    "from": "ISO 8601 date or date-time (UTC when no offset); default 7 days before `to`",
    "to": "ISO 8601 date or date-time, exclusive; default now",
    "channel": "channel kind, e.g. mastodon",
    "language": "message language, e.g. en",
    "bucket": "hour, day or week (default: hour for two days or less, else day)",
    "format": "json (default) or csv",
}
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


def _safe(value: Any) -> Any:
    # A spreadsheet runs a cell that starts with = + - @ as a formula; social text is untrusted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    """Rows as a CSV download (columns from the first row), formula-safe."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _safe(v) for k, v in r.items()})
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def parse_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be an ISO 8601 date or date-time", name) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def filters_from_request() -> Filters:
    a = request.args
    return make_filters(
        inbox().clock(),
        parse_time("from"),
        parse_time("to"),
        a.get("channel"),
        a.get("language"),
        a.get("bucket") or None,
    )


def drill_from_request() -> Drill:
    """The drill key of a "which messages are behind this figure" request (API and page alike)."""
    a = request.args
    return Drill(
        sentiment=a.get("sentiment") or None,
        term=a.get("term") or None,
        author=_int("author"),
        message=_int("message"),
        conversation=_int("conversation"),
        alert=_int("alert"),
        sla=a.get("sla") or None,
        survey=a.get("survey") or None,
        survey_group=a.get("survey_group") or None,
        limit=_int("limit") or 200,
        offset=_int("offset") or 0,
    )


def _int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid", f"{name} must be a whole number", name) from None


def wants_csv() -> bool:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "invalid", "format must be json or csv", "format")
    return fmt == "csv"


@endpoint(
    "/dashboard",
    ["GET"],
    "Reputation dashboard figures",
    query={**FILTERS, "table": f"with format=csv, one of {', '.join(TABLES)} (default volume)"},
)
def dashboard() -> Any:
    """Volume and sentiment over time, shares, net sentiment, top mentions, influencers, rising terms,
    response and resolution times against SLA, CSAT and NPS. Each figure has a `drill` with the query
    of /api/dashboard/messages that lists its messages. Supervisors and admins only."""
    data = reporting.dashboard(inbox(), g.agent_id, filters_from_request())
    if wants_csv():
        table = request.args.get("table", "volume")
        if table not in TABLES:
            raise ApiError(400, "invalid", f"table must be one of {', '.join(TABLES)}", "table")
        return csv_response(TABLES[table](data), f"murmur-{table}.csv")
    return jsonify(data)


@endpoint(
    "/dashboard/messages",
    ["GET"],
    "The messages behind a dashboard figure",
    query={
        **FILTERS,
        "sentiment": "positive, neutral or negative",
        "term": "a term or #hashtag (as listed in rising_terms)",
        "author": "author identity id",
        "message": "one message id",
        "conversation": "conversation id",
        "alert": "spike alert id: the messages it counted",
        "sla": "first_response_met|breached, resolution_met|breached",
        "survey": "csat, nps, detractor or any",
        "survey_group": "agent:<id>, team:<id> or channel:<name>",
        "limit": "at most 500 (default 200)",
        "offset": "for paging",
    },
)
def dashboard_messages() -> Any:
    """Inbound messages matching the dashboard filters and one drill key, newest first."""
    d = drill_from_request()
    rows = reporting.messages(inbox(), g.agent_id, filters_from_request(), d)
    if wants_csv():
        return csv_response([_flat_message(m) for m in rows], "murmur-messages.csv")
    return jsonify({"messages": rows, "count": len(rows)})
