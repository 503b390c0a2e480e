"""Per-team sentiment calibrations for supervisors: figures, the adaptation job, one-click rollback."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from inbox import sentiment_models
from inbox.store.access import require_manager
from web.api import endpoint
from web.auth import inbox

_VERSION = {
    "type": "object",
    "properties": {
        "version": {"type": "integer"},
        "model": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "rejected", "superseded", "rolled_back"]},
        "figures": {"type": "object"},
        "created_by": {"type": ["integer", "null"]},
        "created_at": {"type": "string"},
    },
    "required": ["version", "model", "status", "figures"],
}
_STATE = {
    "type": "object",
    "properties": {
        "team_id": {"type": "integer"},
        "in_use": {"type": "string"},
        "min_corrections": {"type": "integer"},
        "versions": {"type": "array", "items": _VERSION},
    },
    "required": ["team_id", "in_use", "versions"],
}
_ADAPTED = {
    "type": "object",
    "properties": {
        "outcome": {"type": "string", "enum": ["too_few", "rejected", "activated"]},
        "corrections": {"type": "integer"},
    },
    "required": ["outcome", "corrections"],
}
_ROLLED_BACK = {
    "type": "object",
    "properties": {
        "team_id": {"type": "integer"},
        "rolled_back": {"type": "string"},
        "in_use": {"type": "string"},
    },
    "required": ["team_id", "rolled_back", "in_use"],
}


def _manager() -> int:
    with inbox().read() as s:
        return require_manager(s, g.agent_id)


@endpoint("/teams/<int:team_id>/sentiment-model", ["GET"], "A team's sentiment calibrations", response=_STATE)
def get_sentiment_model(team_id: int) -> Any:
    """Which scorer the team's new messages go through, and every fitted version's held-back figures
    (macro-F1 of the base scorer and of the calibration on corrections the fitting never saw)."""
    _manager()
    return jsonify(sentiment_models.calibrations(inbox(), team_id))


@endpoint(
    "/teams/<int:team_id>/sentiment-model/adapt",
    ["POST"],
    "Fit a calibration on the team's corrections",
    response=_ADAPTED,
)
def post_sentiment_adapt(team_id: int) -> Any:
    """Runs the adaptation job for one team now: it is used only if it beats the base on the held-back part."""
    agent_id = _manager()
    return jsonify(sentiment_models.adapt_team(inbox(), team_id, agent_id))


@endpoint(
    "/teams/<int:team_id>/sentiment-model/rollback",
    ["POST"],
    "Roll back the team's calibration",
    response=_ROLLED_BACK,
)
def post_sentiment_rollback(team_id: int) -> Any:
    """New messages are scored by the previous version (or the base scorer) from now on; 404 if none is in use."""
    agent_id = _manager()
    return jsonify(sentiment_models.rollback(inbox(), team_id, agent_id))
