"""Channel endpoints: one way to set up every kind, and the signed inbound webhook."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Response, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from connectors import registry
from connectors.errors import SignatureError
from inbox.channels import accounts as svc
from inbox.channels import draining, inbound, signals, windows
from inbox.channels.polling import poll
from inbox.ingest import ingest
from inbox.store.models import ChannelAccount
from web.api import endpoint, json_body, parse
from web.api.schemas import Channel, ChannelKinds, ChannelList, CreatedChannel, PollReport, WebhookReceipt
from web.api.validation import ColumnStr, Id, QueryModel, query
from web.auth import inbox
from web.errors import N_, ApiError
from web.limits import WEBHOOK_MAX, webhook_reader
from web.webhook_wsgi import accept, with_query

WEEK = 7 * 24 * 3600
log = logging.getLogger(__name__)


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ColumnStr(ChannelAccount.kind, min_length=1) = Field(  # type: ignore[valid-type]
        json_schema_extra=lambda schema: schema.update(enum=registry.kinds()),
        description="one of the kinds /api/channel-kinds lists",
    )
    name: str = Field(min_length=1, max_length=120)
    settings: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, Any] = Field(default_factory=dict)
    team_id: Id | None = None
    poll_interval_seconds: int = Field(default=60, ge=5, le=WEEK, description="seconds between polls")


@endpoint("/channels", ["GET"], "List channels with their health (never their secrets)", response=ChannelList)
def list_channels() -> Any:
    return jsonify({"channels": svc.list_channels(inbox())})


@endpoint(
    "/channels", ["POST"], "Connect a channel (admin)", body=ChannelIn, status=201, response=CreatedChannel
)
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


@endpoint(
    "/channels/<int:channel_id>/webhook",
    ["POST"],
    "Inbound webhook (signed, no login)",
    public=True,
    response=WebhookReceipt,
    errors=(401,),
    max_body=WEBHOOK_MAX,
)
def webhook(channel_id: int) -> Any:
    """Signed with X-Murmur-Timestamp and X-Murmur-Signature (HMAC-SHA256 of "<ts>.<raw body>").

    The body may be at most the channel kind's limit (webhook 2 MiB, meta 4 MiB, telegram 1 MiB):
    a larger one is refused with 413 before it is read. The signature is checked before the body is
    parsed. In a batch, an item that cannot be stored is listed in `rejected` (its index, field and
    reason) and the others are stored; when no item can be, the answer is 400 with every reason in
    `error.errors`. Embedded mode ingests here and answers 200 with what was stored. Scaled mode
    answers 202 `{queued, duplicates, rejected}` as soon as the verified messages are recorded
    (committed), and workers ingest them; a repeated delivery of a stored or waiting external id
    stores nothing new either way.
    """
    dispatch = current_app.extensions.get("murmur.lanes")
    headers = _with_query(dict(request.headers))
    if dispatch is not None:
        receipt = accept(inbox(), channel_id, headers, webhook_reader(), dispatch)
        if receipt.answer is not None:
            return Response(receipt.answer, status=receipt.status, mimetype="text/plain")
        return jsonify(receipt.document), receipt.status
    delivery = svc.verify_webhook(inbox(), channel_id, headers, webhook_reader())
    rejected = [svc.rejected_dict(r) for r in delivery.rejected]
    if getattr(registry.get(delivery.kind), "answer_first", False):
        # WeChat: stored for ingest and answered at once; a retry of a waiting message records nothing
        recorded = inbound.record(inbox(), channel_id, delivery.messages)
        signals.apply(inbox(), channel_id, delivery.handles, delivery.statuses)
        _drain_soon(inbox(), channel_id, recorded.lanes)
        return _network_answer(delivery.kind)
    result = ingest(inbox(), channel_id, delivery.messages)
    signals.apply(inbox(), channel_id, delivery.handles, delivery.statuses)
    answer = _network_answer(delivery.kind)
    if answer is not None:
        return answer
    return jsonify(
        {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "message_ids": list(result.message_ids),
            "rejected": rejected,
        }
    )


@endpoint(
    "/conversations/<int:conversation_id>/templates",
    ["GET"],
    "Approved message templates for a WhatsApp conversation, with its 24-hour window",
    response={"type": "object"},
    errors=(502,),
)
def conversation_templates(conversation_id: int) -> Any:
    """Listed from the WhatsApp Business Account each time (templates are approved by Meta)."""
    return jsonify(windows.conversation_templates(inbox(), g.agent_id, conversation_id))


def _drain_soon(ib: Any, channel_id: int, lanes: tuple[int, ...]) -> None:
    """Ingest what was just recorded on a thread of its own (embedded mode), after the answer has
    gone; the scheduler's drain_inbound job finds anything a thread left behind."""
    if lanes:
        threading.Thread(
            target=_drain, args=(ib, channel_id, lanes), name=f"drain-{channel_id}", daemon=True
        ).start()


def _drain(ib: Any, channel_id: int, lanes: tuple[int, ...]) -> None:
    try:
        draining.drain_lanes(ib, channel_id, lanes)
    except Exception:  # left recorded: the periodic drain takes it
        log.exception("draining channel %s after answering failed", channel_id)


def _with_query(headers: dict[str, str]) -> dict[str, str]:
    """`webhook_wsgi.with_query` for this request (WeChat signs with query parameters)."""
    return with_query(headers, request.query_string.decode("latin-1"))


def _network_answer(kind: str) -> Response | None:
    """The body a network insists on (WeChat: "success", else the customer is told the account
    cannot answer), for kinds that declare one; None for the JSON receipt."""
    answer = getattr(registry.get(kind), "webhook_answer", None) if kind else None
    return Response(answer, mimetype="text/plain") if answer is not None else None


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})
    name: str | None = Field(default=None, min_length=1, max_length=120)
    settings: dict[str, Any] | None = None
    secrets: dict[str, Any] | None = None
    team_id: Id | None = None
    enabled: bool | None = None
    poll_interval_seconds: int | None = Field(default=None, ge=5, le=WEEK)


@endpoint(
    "/channel-kinds", ["GET"], "Channel kinds and the settings and secrets each takes", response=ChannelKinds
)
def channel_kinds() -> Any:
    return jsonify({"kinds": svc.kinds_catalogue()})


@endpoint(
    "/channels/<int:channel_id>",
    ["PATCH"],
    "Edit, pause or resume a channel (admin)",
    body=ChannelPatch,
    response=Channel,
)
def patch_channel(channel_id: int) -> Any:
    """Secrets given are merged in and re-encrypted; a blank secret value removes it."""
    changes = parse(ChannelPatch, json_body()).model_dump(exclude_unset=True)
    if not changes:
        raise ApiError(400, "invalid", N_("nothing to change"))
    return jsonify(svc.update_channel(inbox(), g.agent_id, channel_id, changes))


@endpoint(
    "/channels/<int:channel_id>/test",
    ["POST"],
    "Make one real call and report what it found (admin)",
    response={"type": "object"},
)
def test_channel(channel_id: int) -> Any:
    return jsonify(svc.test_channel(inbox(), g.agent_id, channel_id))


@endpoint(
    "/channels/<int:channel_id>/poll",
    ["POST"],
    "Poll now; answers what was fetched, stored, skipped",
    response=PollReport,
)
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


class HandshakeQuery(QueryModel):
    mode: str | None = Field(default=None, alias="hub.mode", max_length=40, description="subscribe")
    verify_token: str | None = Field(default=None, alias="hub.verify_token", max_length=1000)
    challenge: str | None = Field(default=None, alias="hub.challenge", max_length=1000)
    # WeChat's server URL check: SHA-1 over the sorted token, timestamp and nonce; echostr echoed
    signature: str | None = Field(default=None, max_length=64, description="WeChat")
    timestamp: str | None = Field(default=None, max_length=20, description="WeChat")
    nonce: str | None = Field(default=None, max_length=64, description="WeChat")
    echostr: str | None = Field(default=None, max_length=1000, description="WeChat")
    msg_signature: str | None = Field(default=None, max_length=64, description="WeChat (encrypted echostr)")


@endpoint(
    "/channels/<int:channel_id>/webhook",
    ["GET"],
    "Subscription handshake (Meta and WhatsApp hub.challenge, WeChat's server URL check)",
    public=True,
    query=HandshakeQuery,
    response={"type": "string"},
    content_type="text/plain",
)
def webhook_handshake(channel_id: int) -> Any:
    """Answers the network's verification request with its challenge, or 403 when the token is wrong."""
    query(HandshakeQuery)
    try:
        challenge = svc.verify_subscription(inbox(), channel_id, request.args.to_dict())
    except SignatureError as exc:
        raise ApiError(403, "forbidden", str(exc) or "verification failed") from None
    return Response(challenge, mimetype="text/plain")
