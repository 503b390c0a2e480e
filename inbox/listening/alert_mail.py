"""Stream alerts by e-mail, when an SMTP server is configured (`inbox.settings["smtp"]`).

Sent after the alert is committed, to the supervisors and admins of the stream's team (all of them
for a stream without a team), each in their own language: the alert's sentence is rebuilt from its
template and values in the reader's language, with the period in its plural forms. A mail that
fails is logged and not retried (the alert is already on every open page and in the webhooks' log).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from inbox.mail.send import SendError, Smtp, compose, send
from inbox.mail.words import Reader, alert_text, locale_of, say, translations
from inbox.store.access import MANAGERS
from inbox.store.context import Inbox
from inbox.store.errors import N_
from inbox.store.models import Agent

log = logging.getLogger("murmur.listening")

SUBJECT = N_("Murmur alert: %(stream)s")
FOOTER = N_("See the stream's mentions: %(link)s")


def _readers(inbox: Inbox) -> dict[str, list[str]]:
    """Every active supervisor's and admin's address, grouped by the language they read Murmur in
    (one mail per language, as one mail went to all of them before)."""
    with inbox.read() as s:
        rows = s.execute(
            select(Agent.email, Agent.locale)
            .where(Agent.role.in_(MANAGERS), Agent.active.is_(True))
            .order_by(Agent.id)
        ).all()
    out: dict[str, list[str]] = {}
    for r in rows:
        if r.email:
            out.setdefault(locale_of(r.locale) or "en", []).append(r.email)
    return out


def mail_alerts(inbox: Inbox, alerts: list[dict[str, Any]]) -> int:
    """One mail per alert to every active supervisor and admin, in their language; how many went out."""
    smtp = inbox.settings.get("smtp")
    if not isinstance(smtp, Smtp) or not smtp.host:
        return 0
    readers = _readers(inbox)
    if not readers:
        return 0
    sent = 0
    base = str(inbox.settings.get("public_url") or "").rstrip("/")
    for a in alerts:
        for locale, to in readers.items():
            reader = Reader(locale)
            tr = translations(inbox, locale)
            body = alert_text(tr, a) + "\n\n" + say(tr, FOOTER, link=f"{base}/listening") + "\n"
            msg = compose(
                smtp.sender,
                to,
                say(tr, SUBJECT, stream=a["stream"]),
                body,
                language=reader.tag,
                now=inbox.clock(),
            )
            try:
                send(smtp, msg)
                sent += 1
            except SendError:
                log.exception("alert mail for stream %s could not be sent", a["stream"])
    return sent
