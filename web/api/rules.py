"""API endpoints: rules (filled in by the work on its issue)."""

from __future__ import annotations
