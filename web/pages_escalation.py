"""Pages: escalation (filled in by the work on its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages_escalation", __name__, template_folder="templates")
