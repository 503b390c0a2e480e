"""@mentions in private notes: who was meant, and a `notification` to each of them after commit.

An agent answers to `@` followed by the local part of their email (`@mei` for mei@example.com),
their name without spaces or with `.`, `_` or `-` between words (`@MeiLin`, `@mei.lin`), or their
first name when no other active agent shares it. Matching ignores case. An agent who cannot see
the conversation is not notified (the note would leak to another team); the author learns it
from `unreachable` in the reply.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from inbox.store.access import check_visible
from inbox.store.context import UnitOfWork
from inbox.store.errors import Forbidden
from inbox.store.models import Agent, Conversation, Message

# "@" not preceded by a word character, "." or "@" (so emails in the text are not mentions)
MENTION = re.compile(r"(?<![\w.@])@(\w[\w.+-]*)")


def parse_mentions(text: str) -> list[str]:
    """The handles mentioned in `text`, lowercased, in order, each once."""
    out: dict[str, None] = {}
    for m in MENTION.finditer(text or ""):
        handle = m.group(1).rstrip(".+-").lower()
        if handle:
            out.setdefault(handle, None)
    return list(out)


def _names(agent: Agent) -> set[str]:
    names = {agent.email.split("@", 1)[0].lower()}
    words = agent.name.lower().split()
    if words:
        names |= {sep.join(words) for sep in ("", ".", "_", "-")}
    return names


def resolve(s: Session, handles: list[str]) -> dict[str, Agent]:
    """Map each handle to the one active agent it names; ambiguous or unknown handles are left out."""
    if not handles:
        return {}
    agents = list(s.scalars(select(Agent).where(Agent.active.is_(True)).options(selectinload(Agent.teams))))
    exact: dict[str, set[int]] = {}
    first: dict[str, set[int]] = {}
    for a in agents:
        for n in _names(a):
            exact.setdefault(n, set()).add(a.id)
        words = a.name.lower().split()
        if words:
            first.setdefault(words[0], set()).add(a.id)
    by_id = {a.id: a for a in agents}
    out: dict[str, Agent] = {}
    for h in handles:
        ids = exact.get(h) or first.get(h) or set()
        if len(ids) == 1:
            out[h] = by_id[next(iter(ids))]
    return out


def record_mentions(
    uow: UnitOfWork,
    conv: Conversation,
    note: Message,
    author: Agent,
    payload: dict[str, Any],
    summary: dict[str, Any],
) -> list[dict[str, Any]]:
    """Store the mentions on the note, add them to its payload, and notify each mentioned agent."""
    handles = parse_mentions(note.text)
    found = resolve(uow.session, handles)
    mentions: list[dict[str, Any]] = []
    unreachable: list[str] = []
    seen: set[int] = set()
    for handle in handles:
        agent = found.get(handle)
        if agent is None or agent.id in seen or agent.id == author.id:
            continue
        seen.add(agent.id)
        try:
            check_visible(agent, conv)
        except Forbidden:
            unreachable.append(handle)
            continue
        mentions.append({"agent_id": agent.id, "handle": handle, "name": agent.name})
    note.mentions = mentions or None
    payload["mentions"] = mentions
    if unreachable:
        payload["unreachable"] = unreachable
    for m in mentions:
        uow.emit(
            "notification",
            {
                "kind": "mention",
                "conversation_id": conv.id,
                "conversation": summary,
                "note": payload,
                "by": {"id": author.id, "name": author.name},
            },
            (f"agent:{m['agent_id']}",),
        )
    return mentions
