"""Channel endpoints: one way to set up every kind, and the signed inbound webhook."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from inbox.channels import accounts as svc
from inbox.channels import inbound
from inbox.channels.polling import poll
from inbox.pipeline import ingest
from web.api import endpoint, json_body, parse
from web.auth import inbox
from web.errors import ApiError


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
        inbox(),
        g.agent_id,
        body.kind,
        body.name,
        body.settings,
        body.secrets,
        body.team_id,
        body.poll_interval_seconds,
    )
    if generated:
        channel["generated_secrets"] = generated
    return jsonify(channel), 201


@endpoint("/channels/<int:channel_id>/webhook", ["POST"], "Inbound webhook (signed, no login)", public=True)
def webhook(channel_id: int) -> Any:
    """Signed with X-Murmur-Timestamp and X-Murmur-Signature (HMAC-SHA256 of "<ts>.<raw body>").

    Embedded mode ingests here and answers 200 with what was stored. Scaled mode answers 202
    as soon as the verified messages are recorded (committed), and workers ingest them; a
    repeated delivery of a stored or waiting external id stores nothing new either way.
    """
    messages = svc.verify_webhook(inbox(), channel_id, dict(request.headers), request.get_data(cache=False))
    dispatch = current_app.extensions.get("murmur.lanes")
    if dispatch is not None:
        recorded = inbound.record(inbox(), channel_id, messages)
        dispatch(channel_id, recorded.lanes)
        return jsonify({"queued": recorded.queued, "duplicates": recorded.waiting}), 202
    result = ingest(inbox(), channel_id, messages)
    return jsonify(
        {"stored": result.stored, "duplicates": result.duplicates, "message_ids": list(result.message_ids)}
    )


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    settings: dict[str, Any] | None = None
    secrets: dict[str, Any] | None = None
    team_id: int | None = None
    enabled: bool | None = None
    poll_interval_seconds: int | None = None


@endpoint("/channel-kinds", ["GET"], "Channel kinds and the settings and secrets each takes")
def channel_kinds() -> Any:
    return jsonify({"kinds": svc.kinds_catalogue()})


@endpoint(
    "/channels/<int:channel_id>", ["PATCH"], "Edit, pause or resume a channel (admin)", body=ChannelPatch
)
def patch_channel(channel_id: int) -> Any:
    """Secrets given are merged in and re-encrypted; a blank secret value removes it."""
    changes = parse(ChannelPatch, json_body()).model_dump(exclude_unset=True)
    if not changes:
        raise ApiError(400, "invalid", "nothing to change")
    return jsonify(svc.update_channel(inbox(), g.agent_id, channel_id, changes))


@endpoint("/channels/<int:channel_id>/test", ["POST"], "Make one real call and report what it found (admin)")
def test_channel(channel_id: int) -> Any:
    return jsonify(svc.test_channel(inbox(), g.agent_id, channel_id))


@endpoint("/channels/<int:channel_id>/poll", ["POST"], "Poll now; answers what was fetched, stored, skipped")
def poll_channel(channel_id: int) -> Any:
    """Runs one poll in this request (ignoring the schedule, never a rate-limit reset)."""
    with inbox().read() as s:
        svc.require_admin(s, g.agent_id)
    report = poll(inbox(), channel_id, force=True)
    return jsonify(
        {
            "ran": report.ran,
            "status": report.status,
            "fetched": report.fetched,
            "stored": report.stored,
            "skipped": report.skipped,
            "error": report.error,
            "health": report.health,
        }
    )


@endpoint(
    "/channels/<int:channel_id>/webhook", ["GET"], "Subscription handshake (Meta hub.challenge)", public=True
)
def webhook_handshake(channel_id: int) -> Any:
    """Answers the network's verification request with its challenge, or 403 when the token is wrong."""
    from connectors.errors import SignatureError

    try:
        challenge = svc.verify_subscription(inbox(), channel_id, request.args.to_dict())
    except SignatureError as exc:
        raise ApiError(403, "forbidden", str(exc) or "verification failed") from None
    return Response(challenge, mimetype="text/plain")
