"""Mail an invite link when an SMTP server is configured (MURMUR_SMTP_HOST); otherwise the admin
is shown the link once and passes it on. A mail that fails is reported, never retried silently:
the admin still has the link on screen."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    sender: str = "murmur@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


def send_invite(smtp: Smtp, to: str, name: str, link: str, inviter: str) -> str | None:
    """Send the invite; None when sent, else why not (shown to the admin beside the link)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, to, "You are invited to Murmur"
    msg.set_content(
        f"Hello {name},\n\n{inviter} invited you to the team's Murmur inbox.\n"
        f"Choose your password here (the link works once, for 7 days):\n\n{link}\n"
    )
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as conn:
            if smtp.starttls:
                conn.starttls()
            if smtp.username:
                conn.login(smtp.username, smtp.password)
            conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        return f"the invite mail could not be sent ({exc.__class__.__name__}: {exc})"
    return None
