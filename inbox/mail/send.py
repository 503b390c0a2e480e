"""One sending function for every mail Murmur writes.

Each mail used to build its own message and open its own SMTP connection (four copies of the same
dozen lines, with differing headers). Here a mail is composed once, the same way for all: a stdlib
`EmailMessage` under the default (SMTPUTF8-aware) policy, so a Thai or Chinese subject is encoded as
RFC 2047 words and the body as UTF-8, with `Date`, `Message-ID` and `Content-Language` set; then
handed to the configured server. A refusal raises, and each caller decides whether it retries.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

SendError = (OSError, smtplib.SMTPException)


@dataclass(frozen=True)
class Smtp:
    """Where mail goes (MURMUR_SMTP_*): read once by web.config, passed in through `inbox.settings`."""

    host: str
    port: int = 25
    sender: str = "murmur@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


def compose(
    sender: str,
    to: str | Iterable[str],
    subject: str,
    text: str,
    *,
    html: str | None = None,
    language: str | None = None,
    message_id: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """A mail with a plain text part (and an HTML alternative when given), in UTF-8.

    `language` is the BCP 47 tag of the words (th-TH, zh-Hant-TW), so mail clients pick fonts and
    line breaking for it; `message_id` lets a resend be recognised as the same mail."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    domain = sender.rpartition("@")[2] or "murmur.local"
    msg["Message-ID"] = message_id or make_msgid(domain=domain)
    msg.set_content(text, charset="utf-8")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8")
    if language:  # after the content: setting it clears every Content-* header
        msg["Content-Language"] = language
    return msg


def send(smtp: Smtp, msg: EmailMessage) -> None:
    """Hand `msg` to the server (STARTTLS and login when configured); raises `SendError` on refusal."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as conn:
        if smtp.starttls:
            conn.starttls()
        if smtp.username:
            conn.login(smtp.username, smtp.password)
        conn.send_message(msg)
