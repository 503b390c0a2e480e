"""Canned replies: per team (or for everyone), with a text per language.

The picker in the reply box asks with the open conversation: each reply then comes in that
conversation's language when it has a variant for it, and replies that have one come first.
Placeholders (`{name}`, `{customer}`, `{agent}`, `{channel}`) are filled in by the inbox.
Supervisors and admins manage them; every change is in the audit log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from inbox.admin.agents import load_agent
from inbox.admin.audit import record
from inbox.customers.language import is_english, team_language
from inbox.store.context import Inbox
from inbox.store.errors import N_, Conflict, Forbidden, NotFound
from inbox.store.models import Agent, CannedResponse, Conversation, Team

PLACEHOLDERS = ("name", "customer", "agent", "channel")
MANAGERS = ("admin", "supervisor")


def canned_dict(c: CannedResponse) -> dict[str, Any]:
    return {
        "id": c.id,
        "shortcut": c.shortcut,
        "text": c.text,
        "team_id": c.team_id,
        "variants": c.variants or {},
    }


def _manager(s: Session, agent_id: int) -> Agent:
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    if agent.role not in MANAGERS:
        raise Forbidden(N_("this needs the role admin or supervisor"))
    return agent


def _check(s: Session, shortcut: str, team_id: int | None, own_id: int | None = None) -> None:
    if team_id is not None and s.get(Team, team_id) is None:
        raise NotFound(N_("no team %(team_id)s"), "team_id", team_id=team_id)
    # Unique within the team; a team-less reply is offered to every agent, so it may share its
    # shortcut with no team's reply (an agent would see two replies behind one shortcut).
    clash = select(CannedResponse.id).where(CannedResponse.shortcut == shortcut)
    if team_id is not None:
        clash = clash.where(or_(CannedResponse.team_id == team_id, CannedResponse.team_id.is_(None)))
    if own_id is not None:
        clash = clash.where(CannedResponse.id != own_id)
    if s.scalar(clash.limit(1)) is not None:
        raise Conflict(N_("the shortcut /%(shortcut)s is taken"), "shortcut", shortcut=shortcut)


def create(
    inbox: Inbox, actor_id: int, shortcut: str, text: str, team_id: int | None, variants: dict[str, str]
) -> dict[str, Any]:
    with inbox.unit_of_work() as uow:
        s = uow.session
        _manager(s, actor_id)
        _check(s, shortcut, team_id)
        c = CannedResponse(shortcut=shortcut, text=text, team_id=team_id, variants=dict(variants))
        s.add(c)
        try:
            s.flush()
        except IntegrityError:  # the same shortcut created at the same moment by someone else
            raise Conflict(N_("the shortcut /%(shortcut)s is taken"), "shortcut", shortcut=shortcut) from None
        record(
            s,
            inbox.clock(),
            actor_id,
            "canned.created",
            f"canned:{c.id}",
            {"shortcut": shortcut, "languages": sorted(variants)},
        )
        return canned_dict(c)


def update(
    inbox: Inbox,
    actor_id: int,
    canned_id: int,
    shortcut: str,
    text: str,
    team_id: int | None,
    variants: dict[str, str],
) -> dict[str, Any]:
    """Replace the reply's shortcut, text, team and variants."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        _manager(s, actor_id)
        c = s.get(CannedResponse, canned_id)
        if c is None:
            raise NotFound(N_("no canned reply %(canned_id)s"), canned_id=canned_id)
        _check(s, shortcut, team_id, c.id)
        record(
            s,
            inbox.clock(),
            actor_id,
            "canned.updated",
            f"canned:{c.id}",
            {"shortcut": shortcut, "languages": sorted(variants), "text_changed": c.text != text},
        )
        c.shortcut, c.text, c.team_id, c.variants = shortcut, text, team_id, dict(variants)
        s.flush()
        return canned_dict(c)


def delete(inbox: Inbox, actor_id: int, canned_id: int) -> None:
    with inbox.unit_of_work() as uow:
        s = uow.session
        _manager(s, actor_id)
        c = s.get(CannedResponse, canned_id)
        if c is None:
            raise NotFound(N_("no canned reply %(canned_id)s"), canned_id=canned_id)
        record(s, inbox.clock(), actor_id, "canned.deleted", f"canned:{c.id}", {"shortcut": c.shortcut})
        s.delete(c)


def variant_for(variants: dict[str, str], language: str | None) -> tuple[str | None, str | None]:
    """The variant for `language`: the exact tag (zh-Hant), else its base language (zh)."""
    if not language:
        return None, None
    for tag in (language, language.split("-")[0]):
        for key, text in variants.items():
            if key.lower() == tag.lower():
                return key, text
    return None, None


def offered(
    inbox: Inbox,
    agent_id: int,
    q: str = "",
    language: str | None = None,
    conversation_id: int | None = None,
    limit: int = 20,
    everything: bool = False,
) -> list[dict[str, Any]]:
    """The replies this agent may use (their teams' and everyone's; all for `everything` by a manager),
    matching `q`, each in `language` (or the conversation's) when it has that variant; those first,
    then shortcuts starting with `q`, then by shortcut. `language_matched` says which were translated."""
    q = q.strip().lower()[:60]
    with inbox.read() as s:
        agent = s.scalar(select(Agent).options(selectinload(Agent.teams)).where(Agent.id == agent_id))
        if agent is None:
            raise NotFound(N_("agent not found"))
        fallback = None
        if conversation_id is not None and language is None:
            row = s.execute(
                select(Conversation.language, Conversation.team_id).where(Conversation.id == conversation_id)
            ).first()
            if row is not None:
                language, fallback = row.language, team_language(s, row.team_id)
        stmt = select(CannedResponse).order_by(CannedResponse.shortcut)
        if not (everything and agent.role in MANAGERS):
            stmt = stmt.where(
                or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(agent.team_ids))
            )
        if q:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(
                or_(
                    CannedResponse.shortcut.ilike(like, escape="\\"),
                    CannedResponse.text.ilike(like, escape="\\"),
                )
            )
        rows = list(s.scalars(stmt.limit(500)))
    out = []
    for c in rows:
        item = canned_dict(c)
        lang, variant = variant_for(c.variants or {}, language)
        if variant is None and fallback and not is_english(language):  # the team's default language
            lang, variant = variant_for(c.variants or {}, fallback)
        item["language_matched"] = variant is not None
        item["language"] = lang if variant is not None else None
        if variant is not None:
            item["text"] = variant
        out.append(item)
    out.sort(key=lambda c: (not c["language_matched"], bool(q) and not c["shortcut"].lower().startswith(q)))
    return out[:limit]
