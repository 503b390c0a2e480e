"""The language Murmur writes to a customer in: the conversation's, when there is a text in it, else
the team's default language (set by an admin on the teams page), else the default text.

The inbox knows no Flask: the translations come from the web layer as `inbox.settings["translate"]`
(`(language, msgid, **values) -> (text, language used or None)`); without it the default text is used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.store import settings_cache
from inbox.store.context import Inbox
from inbox.store.models import Team


def is_english(language: str | None) -> bool:
    """Whether a conversation is in English: then a canned reply's main text (written, like every
    msgid, in English) is already in their language, and the team's default is not needed."""
    return (language or "").lower().split("-")[0] == "en"


def team_language(s: Session | None, team_id: int | None) -> str | None:
    """The team's default language for its customers (a tag such as th or zh-Hant), or None."""
    if s is None or team_id is None:
        return None
    team = s.get(Team, team_id)  # the identity map usually has it: no query per message
    return team.default_language if team is not None else None


def team_languages(s: Session) -> dict[int, str]:
    """Every team's default language that is set, kept between transactions like the rosters (teams
    are `settings_cache.AGENTS`' tables): an ingest batch asks for it without a query."""
    return settings_cache.cached(
        s,
        settings_cache.AGENTS,
        "team_languages",
        lambda: dict(
            s.execute(select(Team.id, Team.default_language).where(Team.default_language.is_not(None))).all()
        ),
    )


def in_their_language(
    inbox: Inbox, language: str | None, fallback: str | None, msgid: str, **values: Any
) -> tuple[str, str | None]:
    """`msgid` (with `values`) in `language` when there is a translation, else in `fallback` (the
    team's default), else the default text; with the language tag used (None for the default text)."""
    translate = inbox.settings.get("translate")
    if translate is None:
        return msgid % values if values else msgid, None
    text, used = translate(language, msgid, **values)
    if used is None and fallback and fallback != language:
        text, used = translate(fallback, msgid, **values)
    return text, used
