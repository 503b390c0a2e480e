"""The caller's own account."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from inbox.admin.agents import agent_dict, load_agent
from web.api import endpoint
from web.api.schemas import Agent
from web.auth import inbox


@endpoint("/me", ["GET"], "The authenticated agent", response=Agent)
def me() -> Any:
    with inbox().read() as s:
        return jsonify(agent_dict(load_agent(s, g.agent_id)))
