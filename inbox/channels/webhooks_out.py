"""Outbound webhooks: queued in the transaction that caused them, sent by a periodic job.

Deliveries are signed like inbound webhooks (`X-Murmur-Timestamp` + `X-Murmur-Signature`,
HMAC-SHA256 over "<timestamp>.<body>"), retried with exponential backoff, and every attempt
with the receiver's answer is kept on the delivery so it can be read and replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from connectors.webhook import sign
from inbox.conversations.serialize import iso
from inbox.store import settings_cache
from inbox.store.access import require_manager
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.events import Event
from inbox.store.models import AuditLog, RuleRun
from inbox.store.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from inbox.store.security import decrypt_secrets, encrypt_secrets, new_token
from inbox.store.sql import insert_ignore

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=2)
TIMEOUT_S = 10.0


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s ... capped at one hour, with jitter so failed receivers are not hammered in step."""
    return timedelta(seconds=random.uniform(0.75, 1.0) * min(3600, 30 * 2 ** max(0, attempts - 1)))


def rule_secret(secret_key: str) -> str:
    """The workspace secret that signs rule notifications (derived, so nothing extra to store)."""
    return hmac.new(secret_key.encode(), b"murmur.outbound-webhooks", hashlib.sha256).hexdigest()


def _rule_runs_after(session: Session) -> Any:
    """Rule runs that may ask for a webhook, newer than the last one already turned into a delivery."""
    last = session.scalar(select(func.max(WebhookDelivery.rule_run_id))) or 0
    return (
        select(RuleRun)
        .where(RuleRun.id > last, cast(RuleRun.actions, String).like("%webhook%"))
        .order_by(RuleRun.id)
    )


def queue_rule_notifications(session: Session, limit: int = 500) -> int:
    """Turn recorded rule runs that asked for a webhook into deliveries (each exactly once).

    Reading the runs after the fact keeps the hot ingest path free of webhook work; the unique
    dedup key makes two schedulers doing this at once harmless.
    """
    runs = session.scalars(_rule_runs_after(session).limit(limit))
    count = 0
    for run in runs:
        for i, action in enumerate(run.actions or []):
            if action.get("type") != "notify" or action.get("channel") != "webhook":
                continue
            payload = {
                "event": "rule.notify",
                "rule": run.rule_name,
                "rule_id": run.rule_id,
                "conversation_id": run.conversation_id,
                "message": action.get("message"),
                "matched": run.matched,
                "at": iso(run.at),
            }
            count += (
                session.execute(
                    insert_ignore(session, WebhookDelivery, ["dedup_key"])
                    .values(
                        dedup_key=f"run:{run.id}:{i}",
                        rule_run_id=run.id,
                        rule_id=run.rule_id,
                        conversation_id=run.conversation_id,
                        url=action["url"],
                        event="rule.notify",
                        payload=payload,
                        status=DeliveryStatus.QUEUED.value,
                        attempts=0,
                        next_attempt_at=run.at,
                        log=[],
                        created_at=run.at,
                    )
                    .returning(WebhookDelivery.id)
                ).scalar()
                is not None
            )
    return count


# Built once: every unit of work that emits events asks (building a statement costs more than running it).
# Plain rows (id, url, events), not ORM objects: only those three are read, in every ingest batch.
_SUBS = WebhookSubscription.__table__
_ENABLED_SUBSCRIPTIONS = select(_SUBS.c.id, _SUBS.c.url, _SUBS.c.events).where(_SUBS.c.enabled.is_(True))


def queue_events(session: Session, events: Iterable[Event], now: datetime) -> int:
    """Queue one delivery per (event, subscription that wants it), in the caller's transaction."""
    subs = settings_cache.cached(
        session, settings_cache.SUBSCRIPTIONS, None, lambda: session.execute(_ENABLED_SUBSCRIPTIONS).all()
    )
    if not subs:
        return 0
    count = 0
    for e in events:
        for sub in subs:
            if "*" in (sub.events or []) or e.name in (sub.events or []):
                conv = e.payload.get("conversation") or {}
                session.add(
                    WebhookDelivery(
                        subscription_id=sub.id,
                        conversation_id=conv.get("id"),
                        url=sub.url,
                        event=e.name,
                        payload={"event": e.name, **e.payload},
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                count += 1
    return count


def deliver_due(inbox: Inbox, limit: int = 50, client: httpx.Client | None = None) -> int:
    """Send due deliveries (claimed with a lease, so two schedulers never send one twice at once)."""
    now = inbox.clock()
    q = (
        select(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.QUEUED.value, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    with inbox.read() as s:  # most runs have nothing to queue or send: that takes no write lock
        notify = s.scalar(_rule_runs_after(s).limit(1)) is not None
        due = s.scalar(q.with_only_columns(WebhookDelivery.id)) is not None
    if notify:
        with inbox.unit_of_work() as uow:
            due = queue_rule_notifications(uow.session) > 0 or due
    if not due:
        return 0
    with inbox.unit_of_work() as uow:
        if inbox.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        claimed = list(uow.session.scalars(q))
        for d in claimed:
            d.attempts += 1
            d.next_attempt_at = now + LEASE
        ids = [d.id for d in claimed]
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
    try:
        for delivery_id in ids:
            _send_one(inbox, delivery_id, client)
    finally:
        if own:
            client.close()
    return len(ids)


def _secret(inbox: Inbox, s: Session, d: WebhookDelivery) -> str:
    if d.subscription_id is not None:
        sub = s.get(WebhookSubscription, d.subscription_id)
        if sub is not None:
            return decrypt_secrets(inbox.secret_key, sub.secret_encrypted)["secret"]
    return rule_secret(inbox.secret_key)


def _send_one(inbox: Inbox, delivery_id: int, client: httpx.Client) -> None:
    with inbox.read() as s:
        d = s.get(WebhookDelivery, delivery_id)
        url, payload, secret = d.url, {**d.payload, "delivery_id": d.id}, _secret(inbox, s, d)
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    now = inbox.clock()
    headers = {
        **sign(secret, body, int(now.timestamp())),
        "User-Agent": "Murmur-Webhooks/1",
        "X-Murmur-Event": str(payload.get("event", "")),
        "X-Murmur-Delivery": str(delivery_id),
    }
    outcome: dict[str, Any] = {"at": iso(now)}
    try:
        resp = client.post(url, content=body, headers=headers)
        outcome.update(status=resp.status_code, body=resp.text[:2000])
    except httpx.HTTPError as exc:
        outcome.update(status=None, error=f"{type(exc).__name__}: {exc}"[:500])
    with inbox.unit_of_work() as uow:
        d = uow.session.get(WebhookDelivery, delivery_id)
        d.log = [*(d.log or []), outcome]
        d.response_status, d.response_body = outcome.get("status"), outcome.get("body")
        code = outcome.get("status")
        if code is not None and 200 <= code < 300:
            d.status, d.delivered_at, d.last_error = DeliveryStatus.SENT.value, now, None
            return
        d.last_error = outcome.get("error") or f"HTTP {code}"
        permanent = code is not None and 400 <= code < 500 and code not in (408, 409, 425, 429)
        if permanent or d.attempts >= MAX_ATTEMPTS:
            d.status = DeliveryStatus.FAILED.value
        else:
            d.next_attempt_at = now + backoff(d.attempts)


def delivery_dict(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "subscription_id": d.subscription_id,
        "rule_id": d.rule_id,
        "conversation_id": d.conversation_id,
        "url": d.url,
        "event": d.event,
        "payload": d.payload,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at),
        "response_status": d.response_status,
        "response_body": d.response_body,
        "error": d.last_error,
        "log": d.log,
        "created_at": iso(d.created_at),
        "delivered_at": iso(d.delivered_at),
    }


def subscription_dict(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "name": sub.name,
        "url": sub.url,
        "events": sub.events,
        "enabled": sub.enabled,
        "created_at": iso(sub.created_at),
    }


def _check_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(N_("url must be an http(s) URL"), "url")
    return url


def create_subscription(
    inbox: Inbox, agent_id: int, name: str, url: str, events: list[str]
) -> dict[str, Any]:
    """Subscribe a URL to event names (["*"] for all); the signing secret is returned once."""
    if not events or not all(isinstance(e, str) and e for e in events):
        raise Invalid(N_("events must be a non-empty list of event names"), "events")
    secret = new_token()
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        sub = WebhookSubscription(
            name=name or url,
            url=_check_url(url),
            events=list(events),
            created_at=inbox.clock(),
            secret_encrypted=encrypt_secrets(inbox.secret_key, {"secret": secret}),
        )
        s.add(sub)
        s.flush()
        s.add(
            AuditLog(
                agent_id=who,
                action="webhook.subscribed",
                target=f"webhook:{sub.id}",
                details={"url": url, "events": list(events)},
                at=inbox.clock(),
            )
        )
        return {**subscription_dict(sub), "secret": secret}


def list_subscriptions(inbox: Inbox, agent_id: int) -> list[dict[str, Any]]:
    with inbox.read() as s:
        require_manager(s, agent_id)
        return [
            subscription_dict(x)
            for x in s.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
        ]


def delete_subscription(inbox: Inbox, agent_id: int, sub_id: int) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        sub = s.get(WebhookSubscription, sub_id)
        if sub is None:
            raise NotFound(N_("webhook subscription %(sub_id)s not found"), sub_id=sub_id)
        s.delete(sub)
        s.add(
            AuditLog(
                agent_id=who, action="webhook.unsubscribed", target=f"webhook:{sub_id}", at=inbox.clock()
            )
        )


def list_deliveries(
    inbox: Inbox, agent_id: int, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    with inbox.read() as s:
        require_manager(s, agent_id)
        q = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, 500)))
        if status:
            q = q.where(WebhookDelivery.status == status)
        return [delivery_dict(d) for d in s.scalars(q)]


def replay(inbox: Inbox, agent_id: int, delivery_id: int) -> dict[str, Any]:
    """Send a delivery again (as a new delivery with the same payload, so the old answer stays on record)."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        who = require_manager(s, agent_id)
        old = s.get(WebhookDelivery, delivery_id)
        if old is None:
            raise NotFound(N_("delivery %(delivery_id)s not found"), delivery_id=delivery_id)
        now = inbox.clock()
        new = WebhookDelivery(
            subscription_id=old.subscription_id,
            rule_id=old.rule_id,
            conversation_id=old.conversation_id,
            url=old.url,
            event=old.event,
            payload={**old.payload, "replay_of": old.id},
            next_attempt_at=now,
            created_at=now,
        )
        s.add(new)
        s.flush()
        s.add(
            AuditLog(
                agent_id=who,
                action="webhook.replayed",
                target=f"delivery:{old.id}",
                details={"new_delivery_id": new.id},
                at=now,
            )
        )
        return delivery_dict(new)
