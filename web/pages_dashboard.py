"""Pages: the reputation dashboard, its drill-down, win-back, and the public survey page.

The dashboard's figures are rendered on the server (every figure a link to its messages, the
tables a chart is drawn from beside it), and its figures travel as JSON inside the page;
`dashboard.js` draws the charts from them with `charts.js` (ECharts), fetches the split series,
rising terms per language and share of voice, listens for `alert.spike` and re-fetches the
figures fragment after new messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_compact_decimal
from flask import Blueprint, g, redirect, render_template, request
from flask_babel import force_locale, get_locale, gettext

from inbox.conversations.serialize import iso
from inbox.insights import breakdown, reporting, reporting_winback, surveys_service
from inbox.insights.reporting_filters import Filters
from inbox.store.errors import InboxError
from web.api.dashboard import drill_from_request, filters_from_request
from web.auth import inbox
from web.errors import translated
from web.extensions import csrf
from web.i18n import select_locale
from web.i18n.customer import QUESTIONS, customer_locale
from web.i18n.formatting import format_date_local
from web.shell import require_role, shell_page

bp = Blueprint("pages_dashboard", __name__, template_folder="templates")

# Period presets of the picker: (query value, span). "custom" is whatever from/to say.
PERIODS = (
    ("24h", timedelta(days=1)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
    ("90d", timedelta(days=90)),
    ("365d", timedelta(days=365)),
)


@bp.app_template_filter("compact")
def compact(n: int | None) -> str:
    """Follower counts as people read them: 1240000 -> "1.2M" (in the page's language)."""
    if n is None:
        return "–"
    return format_compact_decimal(n, format_type="short", locale=str(get_locale() or "en"), fraction_digits=1)


def link(params: dict[str, Any]) -> str:
    """The drill-down page for a figure's `drill` parameters."""
    return "/dashboard/messages?" + urlencode({k: v for k, v in params.items() if v is not None})


def period_of(f: Filters, now: datetime) -> str:
    """The preset a range is (ending now, to the minute, and as long as the preset), else "custom"."""
    if abs(f.end - now) <= timedelta(minutes=1):
        for key, span in PERIODS:
            if f.end - f.start == span:
                return key
    return "custom"


def _figures() -> dict[str, Any]:
    f = filters_from_request()
    data = reporting.dashboard(inbox(), g.agent_id, f)
    return {
        "d": data,
        "link": link,
        "hourly_rows": [v for v in data["volume"] if v["total"]],
        "terms_by_language": breakdown.rising_by_language(inbox(), g.agent_id, f),
        "query": request.query_string.decode(),
    }


@bp.get("/dashboard")
def dashboard_page() -> Any:
    """The dashboard; a period preset (`?period=30d`) becomes the from/to it means, so every link and
    export of the page carries the exact range it shows."""
    me = require_role("supervisor")
    preset = dict(PERIODS).get(request.args.get("period", ""))
    if preset is not None:
        end = inbox().clock().replace(microsecond=0) + timedelta(seconds=1)
        args = {k: v for k, v in request.args.items() if k not in ("period", "from", "to")}
        if preset > timedelta(days=2) and args.get("bucket") == "hour":
            args.pop("bucket")  # a long preset in hours would pass the bucket cap; let the default choose
        args.update({"from": iso(end - preset), "to": iso(end)})
        return redirect("/dashboard?" + urlencode(args))
    figures = _figures()
    f = filters_from_request()
    options = breakdown.filter_options(inbox(), g.agent_id)
    return shell_page(
        "dashboard.html",
        least="supervisor",
        me=me,
        options=options,
        period=period_of(f, inbox().clock() + timedelta(seconds=1)),
        periods=[k for k, _ in PERIODS],
        **figures,
    )


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
    error: Any = None
    try:
        page = surveys_service.survey_page(inbox(), token)
    except InboxError as exc:
        return render_template("survey.html", page=None, error=translated(exc)), exc.status
    locale = (
        customer_locale(page.get("language")) or customer_locale(page.get("team_language")) or select_locale()
    )
    if request.method == "POST" and not page["answered"]:
        csrf.protect()
        try:
            rating = int(request.form.get("rating", ""))
            surveys_service.answer(inbox(), token, rating, request.form.get("comment", ""))
            page = {**page, "answered": True, "rating": rating}
        except ValueError:
            error = "Please pick a score."
        except InboxError as exc:
            error = exc
    with force_locale(locale):  # the customer's language, not the browser's guess, when we know it
        if error == "Please pick a score.":
            error = gettext("Please pick a score.")
        elif isinstance(error, InboxError):
            error = translated(error)
        when = page.get("resolved_at")
        page = {
            **page,
            "question": str(QUESTIONS.get(page["kind"], page["question"])),
            "when": format_date_local(when, "long", locale) if when else None,
        }
        html = render_template("survey.html", page=page, error=error)
    return html, 400 if error else 200
