"""The audit log: one helper to write an entry, one query to read them back filtered.

Every admin action writes its entry inside the transaction that makes the change, so an entry
exists exactly when the change does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid
from inbox.store.models import Agent, AuditLog

KIND = re.compile(r"[a-z_]+")


def record(
    s: Session,
    at: datetime,
    actor_id: int | None,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry to the caller's transaction (it commits or rolls back with the change), dated
    by the inbox's clock."""
    s.add(AuditLog(agent_id=actor_id, action=action, target=target, details=details or {}, at=at))


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    target: str | None = None  # "team:3" exactly, or a kind "team" for every team
    action: str | None = None  # "token.revoked" exactly, or a prefix "token."
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # paging: entries older than this one
    limit: int = 50


def _target_clause(target: str, dialect: str) -> Any:
    """One object (`team:3`) by equality, or a kind (`team`) by a prefix its index can serve:
    GLOB on SQLite (LIKE there ignores case, so no index), LIKE on PostgreSQL (the index has
    text_pattern_ops)."""
    if ":" in target:
        return AuditLog.target == target
    if not KIND.fullmatch(target):
        raise Invalid(N_("target must be an object such as team:3 or a kind such as team"), "target")
    if dialect == "sqlite":
        return AuditLog.target.op("GLOB")(target + ":*")
    return AuditLog.target.like(target + ":%")


def entries(inbox: Inbox, f: AuditFilter) -> dict[str, Any]:
    """Entries newest first with the actor's name, and the `before_id` of the next page (or None)."""
    stmt = select(AuditLog, Agent.name, Agent.email).outerjoin(Agent, Agent.id == AuditLog.agent_id)
    if f.actor_id is not None:
        stmt = stmt.where(AuditLog.agent_id == f.actor_id)
    if f.target:
        stmt = stmt.where(_target_clause(f.target, inbox.engine.dialect.name))
    if f.action:
        stmt = stmt.where(
            AuditLog.action.startswith(f.action, autoescape=True)
            if f.action.endswith(".")
            else AuditLog.action == f.action
        )
    if f.since is not None:
        stmt = stmt.where(AuditLog.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditLog.at < f.until)
    if f.before_id is not None:
        stmt = stmt.where(AuditLog.id < f.before_id)
    stmt = stmt.order_by(AuditLog.id.desc()).limit(f.limit + 1)
    with inbox.read() as s:
        rows = s.execute(stmt).all()
    page = rows[: f.limit]
    return {
        "entries": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": None if e.agent_id is None else {"id": e.agent_id, "name": name, "email": email},
                "action": e.action,
                "target": e.target,
                "details": e.details or {},
            }
            for e, name, email in page
        ],
        "next_before_id": page[-1][0].id if len(rows) > f.limit else None,
    }
