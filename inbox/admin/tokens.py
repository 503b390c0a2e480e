"""API tokens: named, scoped, optionally expiring, revocable; only their digest is stored.

A token is looked up on every request, so revoking one (an UPDATE of `revoked_at`) takes effect
on the next request, in every web process. Scopes: `read` (GET), `write` (any change an agent
makes) and `admin` (the admin console and channel set-up). A token made before scopes existed
(`scopes` NULL) keeps all the powers of its agent until it is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from inbox.admin import principals
from inbox.admin.audit import record
from inbox.store.context import Inbox
from inbox.store.db import is_lock_timeout
from inbox.store.errors import N_, Forbidden, Invalid, NotFound
from inbox.store.models import Agent, ApiToken
from inbox.store.security import new_token, token_digest

SCOPES = ("read", "write", "admin")
# last_used_at is written at most this often per token: a busy script costs no write per request
LAST_USED_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenAccess:
    """Who a presented token speaks for, and what it may do (None: everything, an old token).

    `principal` is the agent as the same read found them (role, teams), so a read request's
    service can take it instead of reading the version tokens again in its own transaction
    (`inbox.conversations.listing`): on PostgreSQL one round trip fewer per request."""

    token_id: int
    agent_id: int
    scopes: tuple[str, ...] | None
    principal: principals.Principal | None = None

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


def issue(
    inbox: Inbox,
    actor_id: int | None,
    agent_id: int,
    name: str,
    scopes: list[str] | None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """Make a token for `agent_id`; the answer holds the secret, which is never shown again."""
    if scopes is not None:
        bad = [s for s in scopes if s not in SCOPES]
        if bad or not scopes:
            raise Invalid(
                N_("scopes must be a non-empty list of %(choices)s"), "scopes", choices=", ".join(SCOPES)
            )
        scopes = [s for s in SCOPES if s in scopes]  # canonical order, no repeats
    if expires_at is not None and expires_at <= inbox.clock():
        raise Invalid(N_("expires_at must be in the future"), "expires_at")
    secret = new_token()
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = s.get(Agent, agent_id)
        if agent is None or not agent.active:
            raise NotFound(N_("no active agent %(agent_id)s"), "agent_id", agent_id=agent_id)
        row = ApiToken(
            agent_id=agent_id,
            token_hash=token_digest(secret),
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            created_at=inbox.clock(),
        )
        s.add(row)
        s.flush()
        record(
            s,
            inbox.clock(),
            actor_id,
            "token.created",
            f"token:{row.id}",
            {"agent_id": agent_id, "name": name, "scopes": scopes},
        )
        out = token_dict(row, agent, inbox.clock())
    return {**out, "secret": secret}


def token_dict(t: ApiToken, agent: Agent, now: datetime) -> dict[str, Any]:
    if t.revoked_at is not None:
        state = "revoked"
    elif t.expires_at is not None and t.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": t.id,
        "name": t.name or "(unnamed)",
        "agent": {"id": agent.id, "name": agent.name, "email": agent.email},
        "scopes": t.scopes,
        "created_at": t.created_at.isoformat(),
        "expires_at": t.expires_at.isoformat() if t.expires_at else None,
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        "state": state,
    }


def listing(inbox: Inbox, admin_id: int) -> list[dict[str, Any]]:
    """Every token (never a secret), newest first."""
    with inbox.read() as s:
        admin = s.get(Agent, admin_id)
        if admin is None or admin.role != "admin":
            raise Forbidden(N_("this needs the role admin"))  # (inbox.store.access imports this room)
        rows = s.execute(
            select(ApiToken, Agent).join(Agent, Agent.id == ApiToken.agent_id).order_by(ApiToken.id.desc())
        )
        return [token_dict(t, a, inbox.clock()) for t, a in rows]


def revoke(inbox: Inbox, actor_id: int, token_id: int) -> dict[str, Any]:
    """Revoke now; the next request that presents it answers 401. Revoking twice changes nothing."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        t = s.get(ApiToken, token_id)
        if t is None:
            raise NotFound(N_("no token %(token_id)s"), token_id=token_id)
        if t.revoked_at is None:
            t.revoked_at = inbox.clock()
            record(
                s,
                inbox.clock(),
                actor_id,
                "token.revoked",
                f"token:{t.id}",
                {"agent_id": t.agent_id, "name": t.name},
            )
        return token_dict(t, s.get(Agent, t.agent_id), inbox.clock())


def access_for(inbox: Inbox, secret: str) -> TokenAccess | None:
    """The access a presented token gives, or None (unknown, revoked, expired, agent deactivated).

    The token's row is kept in this process between requests (`inbox.admin.principals`): a
    revoke, an agent's deactivation or any other change to tokens or agents is seen by the next
    request, in every process; expiry is checked against the clock every time."""
    now = inbox.clock()
    digest = token_digest(secret)
    with inbox.glance() as s:
        row = principals.token_row(s, digest)
        # under the tokens just read: a dictionary look-up when the agent is kept (no statement)
        agent = principals.principal(s, row.agent_id) if row is not None else None
    if row is None or agent is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if _last_noted.get(digest, _NEVER) <= now - LAST_USED_GRANULARITY:
        _note_use(inbox, row.id, digest, now)
    return TokenAccess(row.id, row.agent_id, row.scopes, agent)


_NEVER = datetime.min.replace(tzinfo=UTC)
# token digest -> when this process last wrote (or found written) its last use
_last_noted: dict[str, datetime] = {}


def _note_use(inbox: Inbox, token_id: int, digest: str, now: datetime) -> None:
    """Write the token's last use unless some process wrote it within the granularity (the
    UPDATE's condition): at most one write a minute per token whatever the number of processes."""
    due = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_GRANULARITY)
    try:  # bookkeeping: a read request never waits for SQLite's write lock to note it
        with inbox.unit_of_work(wait=False) as uow:
            uow.session.execute(update(ApiToken).where(ApiToken.id == token_id, due).values(last_used_at=now))
            noted = uow.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        return
    if noted is not None:
        if len(_last_noted) >= principals.MAX_TOKENS:
            _last_noted.clear()
        _last_noted[digest] = noted
