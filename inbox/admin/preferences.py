"""An agent's interface preferences: language, time zone and calendar (#20).

Kept on the agent so the choice follows them to any browser and survives signing out; None means
"the default" (the browser's language, UTC, the language's own calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.models import Agent, AuditLog

#: What an agent may choose; English is the source language of every string.
LOCALES: tuple[str, ...] = ("en", "zh_Hant_TW", "zh_Hans_CN", "th_TH")


@dataclass(frozen=True)
class Preferences:
    locale: str | None
    timezone: str | None
    buddhist_era: bool | None


def load(inbox: Inbox, agent_id: int) -> Preferences:
    with inbox.read() as s:
        row = s.execute(
            select(Agent.locale, Agent.timezone, Agent.buddhist_era).where(Agent.id == agent_id)
        ).first()
    if row is None:
        return Preferences(None, None, None)
    return Preferences(row.locale, row.timezone, row.buddhist_era)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def save(
    inbox: Inbox,
    agent_id: int,
    *,
    locale: str | None = None,
    timezone: str | None = None,
    buddhist_era: bool | None = None,
    fields: frozenset[str] = frozenset({"locale", "timezone", "buddhist_era"}),
) -> Preferences:
    """Change the named `fields` (an empty string or None resets one to its default); audited."""
    if "locale" in fields and locale and locale not in LOCALES:
        raise Invalid(N_("language must be one of %(choices)s"), "locale", choices=", ".join(LOCALES))
    if "timezone" in fields and timezone and not valid_timezone(timezone):
        raise Invalid(N_("time zone must be an IANA name such as Asia/Bangkok"), "timezone")
    with inbox.unit_of_work() as uow:
        agent = uow.session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(N_("no such agent"), "agent_id")
        changed: dict[str, object] = {}
        if "locale" in fields:
            agent.locale = locale or None
            changed["locale"] = agent.locale
        if "timezone" in fields:
            agent.timezone = timezone or None
            changed["timezone"] = agent.timezone
        if "buddhist_era" in fields:
            agent.buddhist_era = buddhist_era
            changed["buddhist_era"] = buddhist_era
        uow.session.add(
            AuditLog(
                agent_id=agent_id, action="agent.preferences", target=f"agent:{agent_id}", details=changed
            )
        )
        return Preferences(agent.locale, agent.timezone, agent.buddhist_era)
