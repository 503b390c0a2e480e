"""Mail an invite link when an SMTP server is configured (MURMUR_SMTP_HOST); otherwise the admin
is shown the link once and passes it on. A mail that fails is reported, never retried silently:
the admin still has the link on screen.

The invitation is written in the invitee's language: the one chosen for them (their profile), else
their first team's default language, else the language of the admin who invites them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inbox.mail.send import SendError, Smtp, compose, send
from inbox.mail.words import Reader, locale_of, say, translations
from inbox.store.context import Inbox
from inbox.store.errors import N_
from inbox.store.models import Agent

__all__ = ["Smtp", "send_invite"]

SUBJECT = N_("You are invited to Murmur")
YOUR_ADMIN = N_("Your admin")
BODY = N_(
    "Hello %(name)s,\n\n%(inviter)s invited you to the team's Murmur inbox.\n"
    "Choose your password here (the link works once, for 7 days):\n\n%(link)s\n"
)


def invitee_reader(inbox: Inbox, agent_id: int, fallback: str | None = None) -> tuple[Reader, str, str]:
    """(the invitee's language, name and e-mail): profile, else first team's default, else `fallback`."""
    with inbox.read() as s:
        agent = s.scalar(select(Agent).options(selectinload(Agent.teams)).where(Agent.id == agent_id))
        if agent is None:
            return Reader(locale_of(fallback) or "en"), "", ""
        team_language = next(
            (t.default_language for t in sorted(agent.teams, key=lambda t: t.id) if t.default_language), None
        )
        locale = locale_of(agent.locale) or locale_of(team_language) or locale_of(fallback) or "en"
        return Reader(locale, agent.timezone or "UTC", agent.buddhist_era), agent.name, agent.email


def send_invite(
    inbox: Inbox, smtp: Smtp, agent_id: int, link: str, inviter_id: int | None, fallback: str | None = None
) -> str | None:
    """Send the invite; None when sent, else why not (shown to the admin beside the link).
    `fallback` is the inviting admin's language, used when nothing says the invitee's."""
    reader, name, to = invitee_reader(inbox, agent_id, fallback)
    tr = translations(inbox, reader.locale)
    with inbox.read() as s:
        inviter = s.scalar(select(Agent.name).where(Agent.id == inviter_id)) if inviter_id else None
    msg = compose(
        smtp.sender,
        to,
        say(tr, SUBJECT),
        say(tr, BODY, name=name, inviter=inviter or say(tr, YOUR_ADMIN), link=link),
        language=reader.tag,
        now=inbox.clock(),
    )
    try:
        send(smtp, msg)
    except SendError as exc:
        return f"the invite mail could not be sent ({exc.__class__.__name__}: {exc})"
    return None
