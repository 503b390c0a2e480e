"""Channel endpoints: one way to set up every kind, and the signed inbound webhook."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from inbox import channels as svc
from web.api import endpoint, json_body, parse
from web.auth import inbox


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    name: str = Field(min_length=1, max_length=120)
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict)
    team_id: int | None = None
    poll_interval_seconds: int = 60


@endpoint("/channels", ["GET"], "List channels with their health (never their secrets)")
def list_channels() -> Any:
    return jsonify({"channels": svc.list_channels(inbox())})


@endpoint("/channels", ["POST"], "Connect a channel (admin)", body=ChannelIn, status=201)
def create_channel() -> Any:
    """Secrets are encrypted at rest; a generated webhook secret is returned once, here."""
    body = parse(ChannelIn, json_body())
    channel, generated = svc.create_channel(
        inbox(), g.agent_id, body.kind, body.name, body.settings, body.secrets, body.team_id,
        body.poll_interval_seconds,
    )
    if generated:
        channel["generated_secrets"] = generated
    return jsonify(channel), 201


@endpoint("/channels/<int:channel_id>/webhook", ["POST"], "Inbound webhook (signed, no login)", public=True)
def webhook(channel_id: int) -> Any:
    """Signed with X-Murmur-Timestamp and X-Murmur-Signature (HMAC-SHA256 of "<ts>.<raw body>").

    A repeated delivery of a stored external id stores nothing new and still answers 200.
    """
    result = svc.receive_webhook(inbox(), channel_id, dict(request.headers), request.get_data(cache=False))
    return jsonify({"stored": result.stored, "duplicates": result.duplicates,
                    "message_ids": list(result.message_ids)})
