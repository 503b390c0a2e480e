"""Pages: the reputation dashboard, its drill-down, win-back, and the public survey page.

The dashboard is rendered on the server (charts as SVG, every figure a link to
its messages), so it prints as it shows; `dashboard.js` only listens for
`alert.spike` and re-fetches the figures fragment after new messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request
from flask_babel import force_locale, gettext

from inbox.insights import reporting, reporting_winback, surveys_service
from inbox.store.errors import InboxError
from web.api.dashboard import drill_from_request, filters_from_request
from web.auth import inbox
from web.extensions import csrf
from web.i18n import select_locale
from web.i18n.customer import QUESTIONS, customer_locale
from web.i18n.formatting import format_date_local
from web.shell import require_role, shell_page

bp = Blueprint("pages_dashboard", __name__, template_folder="templates")

CHART_W, CHART_H = 720, 180


def link(params: dict[str, Any]) -> str:
    """The drill-down page for a figure's `drill` parameters."""
    return "/dashboard/messages?" + urlencode({k: v for k, v in params.items() if v is not None})


def volume_chart(volume: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bars (negative, neutral, positive) per bucket, in SVG units."""
    top = max((v["total"] for v in volume), default=0) or 1
    width = CHART_W / max(len(volume), 1)
    bars = []
    for i, v in enumerate(volume):
        y, parts = CHART_H, []
        for label in ("negative", "neutral", "positive"):
            hgt = CHART_H * v[label] / top
            y -= hgt
            if v[label]:
                parts.append(
                    {
                        "label": label,
                        "y": round(y, 1),
                        "h": round(hgt, 1),
                        "count": v[label],
                        "href": link(v["drill_by_label"][label]),
                    }
                )
        bars.append(
            {
                "x": round(i * width + 1, 1),
                "w": round(max(width - 2, 1), 1),
                "parts": parts,
                "bucket": v["bucket"],
                "total": v["total"],
                "href": link(v["drill"]),
            }
        )
    return {"w": CHART_W, "h": CHART_H, "bars": bars, "top": top}


def score_chart(over_time: list[dict[str, Any]]) -> dict[str, Any]:
    """CSAT (0..100) and NPS (-100..100) as dots per bucket, mapped to one 0..CHART_H scale."""
    width = CHART_W / max(len(over_time), 1)
    points = []
    for i, b in enumerate(over_time):
        x = round(i * width + width / 2, 1)
        if b["csat"]["score"] is not None:
            points.append(
                {
                    "x": x,
                    "y": round(CHART_H * (1 - b["csat"]["score"] / 100), 1),
                    "kind": "csat",
                    "title": f"CSAT {b['csat']['score']} ({b['csat']['responses']})",
                }
            )
        if b["nps"]["score"] is not None:
            points.append(
                {
                    "x": x,
                    "y": round(CHART_H * (1 - (b["nps"]["score"] + 100) / 200), 1),
                    "kind": "nps",
                    "title": f"NPS {b['nps']['score']} ({b['nps']['responses']})",
                }
            )
    return {"w": CHART_W, "h": CHART_H, "points": points}


def _figures() -> dict[str, Any]:
    f = filters_from_request()
    data = reporting.dashboard(inbox(), g.agent_id, f)
    return {
        "d": data,
        "link": link,
        "volume_chart": volume_chart(data["volume"]),
        "score_chart": score_chart(data["surveys"]["over_time"]),
        "query": request.query_string.decode(),
    }


@bp.get("/dashboard")
def dashboard_page() -> Any:
    me = require_role("supervisor")
    return shell_page("dashboard.html", least="supervisor", me=me, **_figures())


@bp.get("/dashboard/figures")
def dashboard_figures() -> Any:
    """The figures alone, for the live refresh."""
    return render_template("dashboard_figures.html", **_figures())


@bp.get("/dashboard/messages")
def drill_page() -> Any:
    me = require_role("supervisor")
    a = request.args
    d = drill_from_request()
    rows = reporting.messages(inbox(), g.agent_id, filters_from_request(), d)
    return shell_page(
        "dashboard_messages.html",
        least="supervisor",
        me=me,
        messages=rows,
        args=a,
        csv="/api/dashboard/messages?" + urlencode({**a, "format": "csv"}),
    )


@bp.get("/winback")
def winback_page() -> Any:
    me = require_role("supervisor")
    return shell_page(
        "winback.html", least="supervisor", me=me, customers=reporting_winback.churn_risk(inbox(), g.agent_id)
    )


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str) -> Any:
    """Public (no login): the customer answers with the link's token; the form carries a CSRF token."""
    error = None
    try:
        page = surveys_service.survey_page(inbox(), token)
    except InboxError as exc:
        return render_template("survey.html", page=None, error=exc.message), exc.status
    locale = customer_locale(page.get("language")) or select_locale()
    if request.method == "POST" and not page["answered"]:
        csrf.protect()
        try:
            rating = int(request.form.get("rating", ""))
            surveys_service.answer(inbox(), token, rating, request.form.get("comment", ""))
            page = {**page, "answered": True, "rating": rating}
        except ValueError:
            error = "Please pick a score."
        except InboxError as exc:
            error = exc.message
    with force_locale(locale):  # the customer's language, not the browser's guess, when we know it
        if error == "Please pick a score.":
            error = gettext("Please pick a score.")
        when = page.get("resolved_at")
        page = {
            **page,
            "question": str(QUESTIONS.get(page["kind"], page["question"])),
            "when": format_date_local(when, "long", locale) if when else None,
        }
        html = render_template("survey.html", page=page, error=error)
    return html, 400 if error else 200
