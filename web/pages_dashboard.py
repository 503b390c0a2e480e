"""Pages: dashboard (filled in by the work on its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages_dashboard", __name__, template_folder="templates")
