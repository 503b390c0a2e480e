"""Channel accounts: set-up (secrets encrypted at rest), webhook receipt and health.

Every kind is set up the same way; what a kind accepts is the connector's own `options`.
"""

from __future__ import annotations

import secrets as _secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from connectors import registry
from connectors.base import BaseConnector
from connectors.errors import PayloadError
from connectors.types import DeliveryStatus, InboundMessage, Rejected, ReplyHandle
from inbox.admin.agents import load_agent
from inbox.channels.inbound_checks import message_problem
from inbox.channels.pushed_health import with_pushed_figures
from inbox.conversations.serialize import iso
from inbox.ingest import IngestResult, ingest
from inbox.store.access import require_role
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import AuditLog, ChannelAccount, Team
from inbox.store.security import decrypt_secrets, encrypt_secrets


def channel_dict(ch: ChannelAccount) -> dict[str, Any]:
    """Everything about a channel except its secrets, which never leave the database."""
    return {
        "id": ch.id,
        "kind": ch.kind,
        "name": ch.name,
        "settings": ch.settings,
        "team_id": ch.team_id,
        "enabled": ch.enabled,
        "poll_interval_seconds": ch.poll_interval_seconds,
        "webhook_url": f"/api/channels/{ch.id}/webhook",
        "health": {
            "last_success_at": iso(ch.last_success_at),
            "last_error": ch.last_error,
            "last_error_at": iso(ch.last_error_at),
            "next_poll_at": iso(ch.next_poll_at),
            "consecutive_failures": ch.consecutive_failures,
            "items_fetched": ch.items_fetched,
            "items_stored": ch.items_stored,
            # items the network sent that could not be stored faithfully (no author, no date)
            "items_rejected": int((ch.poll_state or {}).get("rejected_total", 0)),
            "rejected": list((ch.poll_state or {}).get("rejected", [])),
            # LINE: this month's message quota as of the last Test ({limit, used, at})
            "quota": (ch.poll_state or {}).get("quota"),
        },
    }


def create_channel(
    inbox: Inbox,
    agent_id: int | None,
    kind: str,
    name: str,
    settings: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    team_id: int | None = None,
    poll_interval_seconds: int = 60,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Create a channel; returns it and any secrets generated for the admin (shown once)."""
    settings, secrets = dict(settings or {}), dict(secrets or {})
    generated: dict[str, str] = {}
    if not name or not name.strip():
        raise Invalid(N_("name is required"), "name")
    try:
        cls = registry.get(kind)
    except PayloadError as exc:
        raise Invalid(exc.message, "kind") from exc
    if kind == "webhook" and not secrets.get("webhook_secret"):
        generated["webhook_secret"] = secrets["webhook_secret"] = _secrets.token_hex(32)
    if kind == "widget" and not secrets.get("identity_secret"):
        generated["identity_secret"] = secrets["identity_secret"] = _secrets.token_hex(32)
    try:
        cls(settings, secrets)  # validates required options without any network call
    except PayloadError as exc:
        raise Invalid(exc.message, exc.field) from exc
    if poll_interval_seconds < 5:
        raise Invalid(N_("poll_interval_seconds must be at least 5"), "poll_interval_seconds")
    with inbox.unit_of_work() as uow:
        s = uow.session
        if agent_id is not None:
            agent = load_agent(s, agent_id)
            if agent is None:
                raise NotFound(N_("agent not found"))
            require_role(agent, "admin")
        if team_id is not None and s.get(Team, team_id) is None:
            raise Invalid(N_("team %(team_id)s does not exist"), "team_id", team_id=team_id)
        ch = ChannelAccount(
            kind=kind,
            name=name.strip(),
            settings=settings,
            secrets_encrypted=encrypt_secrets(inbox.secret_key, secrets),
            team_id=team_id,
            poll_interval_seconds=poll_interval_seconds,
            next_poll_at=inbox.clock(),
        )
        s.add(ch)
        s.flush()
        s.add(
            AuditLog(
                agent_id=agent_id, action="channel.created", target=f"channel:{ch.id}", details={"kind": kind}
            )
        )
        return channel_dict(ch), generated


def list_channels(inbox: Inbox) -> list[dict[str, Any]]:
    """Every channel with its health; a pushed channel's Stored and Last success from its messages."""
    with inbox.read() as s:
        channels = list(s.scalars(select(ChannelAccount).order_by(ChannelAccount.id)))
        return with_pushed_figures(s, channels, [channel_dict(c) for c in channels])


def connector_for(inbox: Inbox, ch: ChannelAccount | Any, **kwargs: Any) -> BaseConnector:
    """The channel's connector, from an ORM `ChannelAccount` or a row with its kind, settings and secrets."""
    return registry.create(
        ch.kind, ch.settings, decrypt_secrets(inbox.secret_key, ch.secrets_encrypted), **kwargs
    )


@dataclass(frozen=True)
class WebhookReceipt:
    """What one delivery stored, and the items of its batch that were refused (with their reasons)."""

    result: IngestResult
    rejected: tuple[Rejected, ...] = ()


class InvalidDelivery(Invalid):
    """Nothing in the delivery could be stored: a 400 naming the first problem, listing them all."""

    def __init__(self, rejected: list[Rejected]) -> None:
        super().__init__(f"{rejected[0].field}: {rejected[0].message}", rejected[0].field)
        self.errors = [rejected_dict(r) for r in rejected]


def rejected_dict(r: Rejected) -> dict[str, Any]:
    return {"index": r.index, "field": r.field, "code": "invalid", "message": r.message}


def receive_webhook(
    inbox: Inbox,
    channel_id: int,
    headers: Mapping[str, str],
    raw_body: bytes | Callable[[str], bytes],
) -> WebhookReceipt:
    """Verify and parse a pushed delivery, then ingest it; a repeat delivery stores nothing new.

    The embedded mode answers this way; the scaled mode records the verified messages for its
    workers instead (`inbox.channels.inbound.record`). In a batch, a bad item is refused alone:
    the receipt lists it and the rest are stored.
    """
    from inbox.channels import signals

    delivery = verify_webhook(inbox, channel_id, headers, raw_body)
    result = ingest(inbox, channel_id, delivery.messages)
    signals.apply(inbox, channel_id, delivery.handles, delivery.statuses)
    return WebhookReceipt(result, delivery.rejected)


@dataclass(frozen=True)
class VerifiedDelivery:
    """The messages of a delivery that may be stored, and its items refused with their reasons."""

    messages: list[InboundMessage]
    rejected: tuple[Rejected, ...] = ()
    statuses: tuple[DeliveryStatus, ...] = ()  # reports on replies sent (WhatsApp)
    handles: tuple[ReplyHandle, ...] = ()  # reply tokens (LINE)
    kind: str = ""  # the channel's kind (the web layer answers some networks in their own words)


def verify_webhook(
    inbox: Inbox,
    channel_id: int,
    headers: Mapping[str, str],
    raw_body: bytes | Callable[[str], bytes],
    read: Callable[[Any, Mapping[str, Any]], Any] | None = None,
) -> VerifiedDelivery:
    """The delivery's storable messages once its signature (checked first) and body are good.

    `read(statement, values)`, when given, reads the channel's row (the scaled mode's receipt
    verifies and records on one autocommit connection, on the driver's cursor: two round trips
    to the database instead of eight).

    `raw_body` may be a function of the channel's kind that reads the body, so the web layer can
    apply that kind's size limit before reading a byte. Raises NotFound for an unknown or paused
    channel, connectors' SignatureError (401) before anything is parsed, and PayloadError or
    InvalidDelivery (400) when nothing in the delivery can be stored; nothing is stored here.
    """
    if read is not None:
        ch = read(_WEBHOOK_ACCOUNT, {"account": channel_id})
    else:
        with inbox.read() as s:
            ch = s.execute(_WEBHOOK_ACCOUNT, {"account": channel_id}).first()
    if ch is None or not ch.enabled:
        raise NotFound(N_("channel %(channel_id)s not found"), channel_id=channel_id)
    connector = registry.create(
        ch.kind, ch.settings, dict(_secrets_of(inbox.secret_key, ch.secrets_encrypted))
    )
    body = raw_body(ch.kind) if callable(raw_body) else raw_body
    delivery = connector.parse_delivery(headers, body, time.time())
    messages: list[InboundMessage] = []
    rejected = list(delivery.rejected)
    for m, path, index in zip(delivery.messages, delivery.paths, delivery.indexes, strict=True):
        problem = message_problem(m)
        if problem is None:
            messages.append(m)
        else:
            rejected.append(Rejected(path + problem[0], problem[1], index))
    rejected.sort(key=lambda r: -1 if r.index is None else r.index)
    if rejected and not messages:
        raise InvalidDelivery(rejected)
    return VerifiedDelivery(messages, tuple(rejected), delivery.statuses, delivery.handles, ch.kind)


# What verifying a delivery needs, as a plain row: loading the ORM object (health columns, poll
# state) for every delivery cost more than the query itself. Built once.
_ACCOUNTS = ChannelAccount.__table__
_WEBHOOK_ACCOUNT = select(
    _ACCOUNTS.c.kind, _ACCOUNTS.c.settings, _ACCOUNTS.c.secrets_encrypted, _ACCOUNTS.c.enabled
).where(_ACCOUNTS.c.id == bindparam("account"))


@lru_cache(maxsize=256)
def _secrets_of(secret_key: str, blob: str) -> Mapping[str, str]:
    """A channel's decrypted secrets, kept by their ciphertext: every delivery of a channel
    decrypted the same blob again (Fernet was a twentieth of the web CPU a webhook costs). A
    changed secret is a new ciphertext, so nothing stale is ever used; copied before use."""
    return MappingProxyType(decrypt_secrets(secret_key, blob))


def require_admin(s: Session, agent_id: int | None) -> None:
    if agent_id is None:
        return  # the CLI runs as the machine's operator
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    require_role(agent, "admin")


def update_channel(
    inbox: Inbox, agent_id: int | None, channel_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Edit, pause or resume a channel. Secrets given are merged in (a blank value removes one)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        require_admin(s, agent_id)
        ch = s.get(ChannelAccount, channel_id)
        if ch is None:
            raise NotFound(N_("channel %(channel_id)s not found"), channel_id=channel_id)
        settings = {**ch.settings, **changes.get("settings", {})}
        secrets = decrypt_secrets(inbox.secret_key, ch.secrets_encrypted)
        for key, value in (changes.get("secrets") or {}).items():
            if value in (None, ""):
                secrets.pop(key, None)
            else:
                secrets[key] = value
        try:
            registry.get(ch.kind)(settings, secrets)
        except PayloadError as exc:
            raise Invalid(exc.message, exc.field) from exc
        if "name" in changes:
            if not str(changes["name"]).strip():
                raise Invalid(N_("name is required"), "name")
            ch.name = str(changes["name"]).strip()
        if "enabled" in changes:
            ch.enabled = bool(changes["enabled"])
            if ch.enabled:
                ch.next_poll_at = inbox.clock()
        if "team_id" in changes:
            if changes["team_id"] is not None and s.get(Team, changes["team_id"]) is None:
                raise Invalid(N_("team %(team_id)s does not exist"), "team_id", team_id=changes["team_id"])
            ch.team_id = changes["team_id"]
        if "poll_interval_seconds" in changes:
            if int(changes["poll_interval_seconds"]) < 5:
                raise Invalid(N_("poll_interval_seconds must be at least 5"), "poll_interval_seconds")
            ch.poll_interval_seconds = int(changes["poll_interval_seconds"])
        ch.settings = settings
        ch.secrets_encrypted = encrypt_secrets(inbox.secret_key, secrets)
        s.add(
            AuditLog(
                agent_id=agent_id,
                action="channel.updated",
                target=f"channel:{ch.id}",
                details={k: v for k, v in changes.items() if k != "secrets"}
                | ({"secrets_changed": sorted(changes["secrets"])} if changes.get("secrets") else {}),
            )
        )
        return channel_dict(ch)


def test_channel(inbox: Inbox, agent_id: int | None, channel_id: int) -> dict[str, Any]:
    """One real call to the network; the answer says what it found or exactly what failed."""
    from connectors.errors import ConnectorError

    with inbox.read() as s:
        require_admin(s, agent_id)
        ch = s.get(ChannelAccount, channel_id)
        if ch is None:
            raise NotFound(N_("channel %(channel_id)s not found"), channel_id=channel_id)
        try:
            connector = connector_for(inbox, ch)
        except PayloadError as exc:
            return {"ok": False, "error": str(exc)}
    try:
        found = connector.test()
        if hasattr(connector, "quota"):
            _keep_quota(inbox, channel_id, connector.quota())
        return {"ok": True, "found": found}
    except ConnectorError as exc:
        return {"ok": False, "error": str(exc) or type(exc).__name__}
    except OSError as exc:
        return {"ok": False, "error": f"network error: {exc}"}


def _keep_quota(inbox: Inbox, channel_id: int, quota: dict[str, Any]) -> None:
    """Remember the network's message quota in the channel's health (shown on the Channels page)."""
    with inbox.unit_of_work() as uow:
        ch = uow.session.get(ChannelAccount, channel_id)
        if ch is not None:
            ch.poll_state = {**(ch.poll_state or {}), "quota": {**quota, "at": iso(inbox.clock())}}


def verify_subscription(inbox: Inbox, channel_id: int, params: Mapping[str, str]) -> str:
    """A push channel's subscription handshake (Meta's hub.challenge); SignatureError when it fails."""
    from connectors.errors import SignatureError

    with inbox.read() as s:
        ch = s.get(ChannelAccount, channel_id)
        if ch is None or not ch.enabled:
            raise NotFound(N_("channel %(channel_id)s not found"), channel_id=channel_id)
        connector = connector_for(inbox, ch)
    verify = getattr(connector, "verify_subscription", None)
    if verify is None:
        raise SignatureError(f"{ch.kind} channels have no subscription handshake")
    return verify(params)


def kinds_catalogue() -> list[dict[str, Any]]:
    """Every channel kind and the settings and secrets it takes, for forms and the CLI."""
    out = []
    for kind in registry.kinds():
        cls = registry.get(kind)
        out.append(
            {
                "kind": kind,
                "pulled": cls.pulled,
                "pushed": cls.pushed,
                "options": [
                    {
                        "name": o.name,
                        "secret": o.secret,
                        "required": o.required,
                        "default": o.default,
                        "help": o.help,
                    }
                    for o in cls.options
                ],
            }
        )
    return out
