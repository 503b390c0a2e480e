"""Dashboard chart endpoints: series by a dimension, rising terms per language, picker values.

Why separate from `/api/dashboard`: the page asks for these only when a chart needs them (a
picker changes the dimension), so the main figures stay one request of bounded cost.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import g, jsonify
from pydantic import Field

from inbox.insights import breakdown
from web.api import endpoint, query
from web.api.dashboard import DashboardQuery, csv_response, filters_from_request, wants_csv
from web.auth import inbox


class SeriesQuery(DashboardQuery):
    by: Literal["channel", "language", "label"] = Field(
        default="channel",
        description="split the series by channel kind, message language or conversation label",
    )


def _series_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per bucket and value: what a spreadsheet pivots."""
    rows = []
    for x in data["series"]:
        for i, start in enumerate(data["buckets"]):
            rows.append(
                {
                    "bucket": start,
                    data["by"]: x["key"],
                    "messages": x["volume"][i],
                    "net_sentiment": x["net"][i],
                }
            )
    return rows


@endpoint(
    "/dashboard/series",
    ["GET"],
    "Volume and net sentiment per bucket, one series per value",
    query=SeriesQuery,
    csv=True,
)
def dashboard_series() -> Any:
    """Up to eight series (the largest values of `by`), each with its totals by sentiment, net
    sentiment, volume and net sentiment per bucket, and a `drill` to its messages."""
    by = query(SeriesQuery).by
    data = breakdown.dashboard_series(inbox(), g.agent_id, filters_from_request(), by)
    if wants_csv():
        return csv_response(_series_rows(data), f"murmur-series-{by}.csv")
    return jsonify(data)


@endpoint("/dashboard/terms", ["GET"], "Rising terms per language", query=DashboardQuery, csv=True)
def dashboard_terms() -> Any:
    """Rising terms of the busiest three languages of the range (or of the filtered language)."""
    data = breakdown.rising_by_language(inbox(), g.agent_id, filters_from_request())
    if wants_csv():
        rows = [
            {"language": x["language"], **{k: v for k, v in t.items() if k != "drill"}}
            for x in data
            for t in x["terms"]
        ]
        return csv_response(rows, "murmur-rising-terms.csv")
    return jsonify({"languages": data})


@endpoint("/dashboard/options", ["GET"], "The values the dashboard's pickers offer")
def dashboard_options() -> Any:
    """Connected channel kinds, counted languages and conversation labels."""
    return jsonify(breakdown.filter_options(inbox(), g.agent_id))
