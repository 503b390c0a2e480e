"""Reports per agent and per team: the figures, the conversations behind each, CSV of every table."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Response, g, jsonify
from pydantic import Field, WithJsonSchema

from inbox.insights import agent_reports, report_drill
from inbox.insights.report_periods import PRESETS, Period, period
from inbox.store.csv_cells import csv_text
from inbox.store.limits import INT32_MAX
from web.api import endpoint, query
from web.api.validation import ID_DIGITS, QueryModel
from web.auth import inbox
from web.i18n import chosen

DATE_PATTERN = "^(19[7-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# A calendar day in 1970-2099 (the range every stored time lies in), written YYYY-MM-DD.
Day = Annotated[
    date,
    Field(ge=date(1970, 1, 2), le=date(2099, 12, 30)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
GROUP_PATTERN = f"^(all|(agent|team):({ID_DIGITS}|none))$"


class ReportQuery(QueryModel):
    preset: Literal[PRESETS] | None = Field(  # type: ignore[valid-type]
        default=None, description="a named period in the viewer's time zone (default last_7_days)"
    )
    from_: Day | None = Field(
        default=None, alias="from", description="custom period: first local day, YYYY-MM-DD"
    )
    to: Day | None = Field(default=None, description="custom period: last local day (included), YYYY-MM-DD")
    tz: str | None = Field(
        default=None,
        max_length=64,
        pattern="^[A-Za-z0-9_+/-]{1,64}$",
        description="an IANA time zone, e.g. Asia/Bangkok; periods are its calendar days "
        "(default: the time zone of the agent's profile, else UTC)",
    )
    format: Literal["json", "csv"] = "json"
    table: Literal["agents", "teams"] = Field(default="agents", description="with format=csv, which table")


class ReportDrillQuery(ReportQuery):
    metric: Literal[report_drill.DRILLS] = Field(  # type: ignore[valid-type]
        default="first_response", description="the figure: first_response, resolution, handled, csat or nps"
    )
    group: str = Field(
        default="all",
        pattern=GROUP_PATTERN,
        description="all, agent:<id>, team:<id>, agent:none or team:none",
    )
    limit: int = Field(default=200, ge=1, le=report_drill.MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=INT32_MAX)


def period_from_request() -> Period:
    """The period a report request names (API and page alike); a bad one is a 400 naming the field."""
    q = query(ReportQuery)
    return period(inbox().clock(), q.preset, q.tz or chosen().timezone, q.from_, q.to)


def _csv(rows: list[dict[str, Any]], columns: list[str], filename: str) -> Response:
    return Response(
        csv_text(rows, columns),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


TABLE_COLUMNS = [
    "name",
    "id",
    "first_response_count",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "resolution_count",
    "resolution_median_seconds",
    "resolution_p90_seconds",
    "handled",
    "csat_responses",
    "csat_score",
    "nps_responses",
    "nps_score",
    "from",
    "to",
    "tz",
]


def flat_row(r: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    """One report row as the columns of its CSV."""
    return {
        "name": r["name"],
        "id": r["id"],
        **{
            f"{m}_{k}": r[m][src]
            for m in ("first_response", "resolution")
            for k, src in (
                ("count", "count"),
                ("median_seconds", "median_seconds"),
                ("p90_seconds", "p90_seconds"),
            )
        },
        "handled": r["handled"]["count"],
        "csat_responses": r["csat"]["responses"],
        "csat_score": r["csat"]["score"],
        "nps_responses": r["nps"]["responses"],
        "nps_score": r["nps"]["score"],
        "from": p["from"],
        "to": p["to"],
        "tz": p["tz"],
    }


@endpoint("/reports", ["GET"], "Reports per agent and per team", query=ReportQuery, csv=True)
def reports() -> Any:
    """First response and resolution times (count, median, p90, mean in seconds), conversations
    handled (resolved in the period), CSAT and NPS per agent, per team and in total, over a preset
    or custom period of the viewer's time zone. Agents and teams without data are listed with
    null figures. Each figure has a `drill` with the query of /api/reports/conversations that
    lists its conversations. Supervisors and admins only."""
    q = query(ReportQuery)
    data = agent_reports.report(inbox(), g.agent_id, period_from_request())
    if q.format == "csv":
        rows = [flat_row(r, data["period"]) for r in data[q.table]]
        rows.append(flat_row(data["total"], data["period"]))
        p = data["period"]
        return _csv(rows, TABLE_COLUMNS, f"murmur-report-{q.table}-{p['from']}-{p['to']}.csv")
    return jsonify(data)


DRILL_COLUMNS = [
    "id",
    "subject",
    "customer",
    "channel",
    "status",
    "created_at",
    "first_response_at",
    "resolved_at",
    "agent",
    "team",
    "seconds",
    "rating",
    "at",
]


@endpoint(
    "/reports/conversations",
    ["GET"],
    "The conversations behind a report figure",
    query=ReportDrillQuery,
    csv=True,
)
def report_conversations() -> Any:
    """The conversations one figure counted (`count` equals the figure's count): time metrics
    slowest first, handled newest first, survey answers newest first; each with its inbox link."""
    q = query(ReportDrillQuery)
    data = report_drill.conversations(
        inbox(), g.agent_id, period_from_request(), q.metric, q.group, q.limit, q.offset
    )
    if q.format == "csv":
        return _csv(data["conversations"], DRILL_COLUMNS, f"murmur-report-{q.metric}.csv")
    return jsonify(data)
