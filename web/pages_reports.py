"""The reports page: per-agent and per-team figures for supervisors and admins.

The page is the app shell with the period form; `reports.js` takes the viewer's time zone from
the agent's profile (the browser's when it names none), asks /api/reports for the figures, and
opens the conversations behind a figure from /api/reports/conversations, so the page and the API
can never disagree about a number.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from inbox.insights.report_periods import PRESETS
from web.shell import shell_page

bp = Blueprint("pages_reports", __name__, template_folder="templates")

PRESET_LABELS: dict[str, Any] = {
    "today": _l("Today"),
    "yesterday": _l("Yesterday"),
    "last_7_days": _l("Last 7 days"),
    "last_30_days": _l("Last 30 days"),
    "this_week": _l("This week"),
    "last_week": _l("Last week"),
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "custom": _l("Custom range"),
}


@bp.get("/reports")
def reports_page() -> Any:
    """Supervisors and admins; everyone else gets the shell's 403."""
    return shell_page("reports.html", least="supervisor", presets=[(p, PRESET_LABELS[p]) for p in PRESETS])
