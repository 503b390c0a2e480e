"""Digest settings per manager, building one digest, and the weekly job that mails them.

Once per week per manager, however many schedulers run: a week is claimed by inserting the row
(agent, week) into `digest_sends`, unique on both, before anything is sent; the scheduler whose
insert loses skips that manager. A failed send is marked failed and claimed again by a later run
(up to `MAX_ATTEMPTS`), never dropped; a claim whose holder died (a `sending` row older than
`LEASE`) is taken over. The one window left is a process that dies after the SMTP server took the
mail and before the row says sent: the retry then sends it again, with the same Message-ID
(`render.render_mail`), which mail clients show once.

Weeks are Monday to Monday in UTC; the job, run hourly, sends the last complete week's digest.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inbox.insights.digest import figures as figs
from inbox.insights.digest.render import Digest, render_mail
from inbox.mail.send import Smtp, send
from inbox.mail.words import locale_of, translations
from inbox.store.access import MANAGERS, require_manager
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid
from inbox.store.models import Agent, DigestSend, DigestSubscription

log = logging.getLogger("murmur.digest")

LEASE = timedelta(minutes=30)
MAX_ATTEMPTS = 5


def last_week(now: datetime) -> date:
    """The Monday that starts the last complete week (UTC) at `now`."""
    today = now.astimezone(UTC).date()
    return today - timedelta(days=today.weekday() + 7)


def period_of(week_start: date, timezone: str | None = None) -> figs.Period:
    """Monday 00:00 to the next Monday 00:00 in `timezone` (the manager's; UTC by default)."""
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    start = datetime.combine(week_start, time(0), tzinfo=zone)
    return figs.Period(start, datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone))


def get_settings(inbox: Inbox, agent_id: int) -> dict[str, Any]:
    """`{enabled, figures, available: [{key, title, describe}], last_sent}` for the settings form."""
    with inbox.read() as s:
        require_manager(s, agent_id)
        sub = s.get(DigestSubscription, agent_id)
        options = figs.available(s)
        last = s.scalar(
            select(DigestSend.sent_at)
            .where(DigestSend.agent_id == agent_id, DigestSend.status == "sent")
            .order_by(DigestSend.week_start.desc())
            .limit(1)
        )
    chosen = list(sub.figures) if sub else list(figs.DEFAULT_FIGURES)
    return {
        "enabled": bool(sub and sub.enabled),
        "figures": [k for k in chosen if k in options],
        "available": [{"key": k, "title": o.title, "describe": o.describe} for k, o in options.items()],
        "last_sent": last.isoformat() if last else None,
    }


def save_settings(inbox: Inbox, agent_id: int, enabled: bool, figure_keys: list[str]) -> dict[str, Any]:
    """Store the manager's choice; an unknown key is a 400 naming `figures`, nothing is stored."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        require_manager(s, agent_id)
        options = figs.available(s)
        unknown = [k for k in figure_keys if k not in options]
        if unknown:
            raise Invalid(N_("unknown figure: %(choices)s"), field="figures", choices=", ".join(unknown[:5]))
        if enabled and not figure_keys:
            raise Invalid(N_("choose at least one figure for the digest"), field="figures")
        keys = list(dict.fromkeys(figure_keys))  # once each, in the order given
        sub = s.get(DigestSubscription, agent_id)
        if sub is None:
            sub = DigestSubscription(agent_id=agent_id)
            s.add(sub)
        sub.enabled, sub.figures, sub.updated_at = enabled, keys, inbox.clock()
    return get_settings(inbox, agent_id)


def build(
    inbox: Inbox, agent_id: int, week_start: date | None = None, keys: list[str] | None = None
) -> Digest:
    """Compute one manager's digest for a week (the last complete one by default), in their profile's
    language, time zone and calendar."""
    week = week_start or last_week(inbox.clock())
    with inbox.read() as s:
        agent = s.get(Agent, agent_id)
        if agent is None:
            raise Invalid(N_("no such agent"), field="agent_id")
        period = period_of(week, agent.timezone)
        sub = s.get(DigestSubscription, agent_id)
        options = figs.available(s)
        chosen = keys if keys is not None else (list(sub.figures) if sub else list(figs.DEFAULT_FIGURES))
        computed = tuple(options[k].compute(s, period) for k in chosen if k in options)
    return Digest(
        agent.id,
        agent.name or agent.email,
        agent.email,
        period,
        computed,
        lang=locale_of(agent.locale) or "en",
        timezone=str(period.start.tzinfo) if agent.timezone else "UTC",
        buddhist_era=agent.buddhist_era,
    )


def deliver(smtp: Smtp, msg: EmailMessage) -> None:
    """Hand the mail to the SMTP server; raises on any refusal so the week is retried."""
    send(smtp, msg)


def _due(inbox: Inbox, week: date) -> list[int]:
    """Subscribed managers whose digest for `week` is still owed, found in a read: once everyone
    has theirs, the hourly run takes no write lock (SQLite's is the whole database's)."""
    now = inbox.clock()
    with inbox.read() as s:
        subscribers = list(
            s.scalars(
                select(DigestSubscription.agent_id)
                .join(Agent, Agent.id == DigestSubscription.agent_id)
                .where(
                    DigestSubscription.enabled.is_(True),
                    Agent.active.is_(True),
                    Agent.role.in_(MANAGERS),
                )
                .order_by(DigestSubscription.agent_id)
            )
        )
        ledger = {
            row.agent_id: row
            for row in s.scalars(
                select(DigestSend).where(DigestSend.week_start == week, DigestSend.agent_id.in_(subscribers))
            )
        }
    return [a for a in subscribers if a not in ledger or _owed(ledger[a], now)]


def _owed(row: DigestSend, now: datetime) -> bool:
    if row.status == "sent" or row.attempts >= MAX_ATTEMPTS:
        return False
    return not (row.status == "sending" and row.claimed_at > now - LEASE)


def claim(inbox: Inbox, agent_id: int, week: date) -> int | None:
    """Take (agent, week) for sending; the id of the ledger row, or None when it is not ours to send."""
    now = inbox.clock()
    try:
        with inbox.unit_of_work() as uow:
            s = uow.session
            row = s.scalar(
                select(DigestSend)
                .where(DigestSend.agent_id == agent_id, DigestSend.week_start == week)
                .with_for_update()
            )
            if row is None:
                row = DigestSend(
                    agent_id=agent_id, week_start=week, status="sending", attempts=1, claimed_at=now
                )
                s.add(row)
                s.flush()
                return row.id
            if not _owed(row, now):
                return None  # sent, given up on, or another scheduler is sending it right now
            row.status, row.attempts, row.claimed_at = "sending", row.attempts + 1, now
            return row.id
    except IntegrityError:  # another scheduler inserted the same week first (PostgreSQL)
        return None


def _finish(inbox: Inbox, send_id: int, error: str | None) -> None:
    with inbox.unit_of_work() as uow:
        row = uow.session.get(DigestSend, send_id)
        if row is None:
            return
        if error is None:
            row.status, row.sent_at, row.error = "sent", inbox.clock(), ""
        else:
            row.status, row.error = "failed", error[:2000]


def send_weekly_digests(inbox: Inbox) -> int:
    """The periodic job: mail last week's digest to every subscribed manager who has not had it.
    Returns how many were sent by this run. Without SMTP configured it does nothing."""
    smtp: Smtp | None = inbox.settings.get("smtp")
    if smtp is None or not smtp.host:
        return 0
    week = last_week(inbox.clock())
    base = (inbox.settings.get("survey_base_url") or "").rstrip("/")
    sent = 0
    for agent_id in _due(inbox, week):
        send_id = claim(inbox, agent_id, week)
        if send_id is None:
            continue
        try:
            digest = build(inbox, agent_id, week)
            msg = render_mail(
                digest, smtp.sender, translations(inbox, digest.lang), link=f"{base}/digest" if base else None
            )
            deliver(smtp, msg)
        except Exception as exc:  # noqa: BLE001 - any failure: mark it, a later run retries
            log.warning("digest for agent %s, week %s, not sent: %s", agent_id, week, exc)
            _finish(inbox, send_id, f"{exc.__class__.__name__}: {exc}")
            continue
        _finish(inbox, send_id, None)
        sent += 1
    return sent
