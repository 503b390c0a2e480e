"""Stream alerts by e-mail, when an SMTP server is configured (`inbox.settings["smtp"]`).

Sent after the alert is committed, to the supervisors and admins; a mail that fails is logged
and not retried (the alert is already on every open page and in the webhooks' log).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from inbox.admin.invite_mail import Smtp
from inbox.store.access import MANAGERS
from inbox.store.context import Inbox
from inbox.store.models import Agent

log = logging.getLogger("murmur.listening")


def mail_alerts(inbox: Inbox, alerts: list[dict[str, Any]]) -> int:
    """One mail per alert to every active supervisor and admin; how many mails went out."""
    smtp = inbox.settings.get("smtp")
    if not isinstance(smtp, Smtp) or not smtp.host:
        return 0
    with inbox.read() as s:
        to = [
            e
            for e in s.scalars(select(Agent.email).where(Agent.role.in_(MANAGERS), Agent.active.is_(True)))
            if e
        ]
    if not to:
        return 0
    sent = 0
    base = str(inbox.settings.get("public_url") or "").rstrip("/")
    for a in alerts:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = smtp.sender, ", ".join(to), f"Murmur alert: {a['stream']}"
        msg.set_content(f"{a['sentence']}\n\n{base}/listening\n")
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as conn:
                if smtp.starttls:
                    conn.starttls()
                if smtp.username:
                    conn.login(smtp.username, smtp.password)
                conn.send_message(msg)
            sent += 1
        except (OSError, smtplib.SMTPException):
            log.exception("alert mail for stream %s could not be sent", a["stream"])
    return sent
