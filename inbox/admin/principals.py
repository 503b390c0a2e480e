"""Who is asking, kept between requests: an agent's role and teams, and what a bearer token allows.

Every API request used to look its bearer token up (a join of tokens and agents) and then load
its agent through the ORM with the agent's teams (two more statements and an identity map),
before the view read anything it shows: on the one-year bench that was most of a ranked-list
request beside its own index scans (issue 22). Both change a few times a day, so they are kept
in this process under the version tokens of `inbox.store.settings_cache`:

* an agent's `Principal` under the `agents` token, which any write to agents (role, deactivation,
  name), their team memberships or teams moves;
* a bearer token's row under the `tokens` token (any INSERT, UPDATE or DELETE of `api_tokens`
  but the once-a-minute `last_used_at`) and the `agents` token together, since the token stops
  working with its agent's deactivation.

Each check is one read of the version tokens per transaction (four short rows), so a revoke, a
role change or a deactivation committed by any process is seen by the next request in every
process, as when every request read the rows themselves. Expiry is checked against the clock at
every use. Only tokens that were found are kept, and at most `MAX_TOKENS` of them, so presenting
random tokens costs a lookup each time (as before) and grows nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.store import settings_cache
from inbox.store.models import Agent, ApiToken, agent_teams

MAX_TOKENS = 10_000


@dataclass(frozen=True)
class Principal:
    """What access checks read of an agent (`inbox.store.access`): read-only, shared by threads."""

    id: int
    role: str
    team_ids: tuple[int, ...]
    name: str
    email: str


@dataclass(frozen=True)
class TokenRow:
    """A usable token's stored facts (not yet checked against the clock)."""

    id: int
    agent_id: int
    scopes: tuple[str, ...] | None
    expires_at: datetime | None


_lock = threading.Lock()
# (database url, token digest) -> ((tokens token, agents token), row)
_tokens: dict[tuple[Any, str], tuple[tuple[str, str], TokenRow]] = {}


def principal(s: Session, agent_id: int) -> Principal | None:
    """The active agent `agent_id` as of `s`'s transaction, or None (unknown or deactivated)."""
    return settings_cache.cached(
        s, settings_cache.AGENTS, ("principal", agent_id), lambda: _load(s, agent_id)
    )


def _load(s: Session, agent_id: int) -> Principal | None:
    row = s.execute(
        select(Agent.id, Agent.role, Agent.name, Agent.email).where(
            Agent.id == agent_id, Agent.active.is_(True)
        )
    ).first()
    if row is None:
        return None
    teams = s.scalars(
        select(agent_teams.c.team_id)
        .where(agent_teams.c.agent_id == agent_id)
        .order_by(agent_teams.c.team_id)
    )
    return Principal(row.id, row.role, tuple(teams), row.name, row.email)


def token_row(s: Session, digest: str) -> TokenRow | None:
    """The unrevoked token with this digest whose agent is active, as of `s`'s transaction."""
    versions = settings_cache.tokens(s.connection())
    stamp = (versions.get(settings_cache.TOKENS), versions.get(settings_cache.AGENTS))
    key = (s.get_bind().url, digest)
    kept = _tokens.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    row = s.execute(
        select(ApiToken.id, ApiToken.agent_id, ApiToken.scopes, ApiToken.expires_at)
        .join(Agent, Agent.id == ApiToken.agent_id)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), Agent.active.is_(True))
    ).first()
    if row is None:
        return None  # never kept: an unknown token costs its lookup every time
    found = TokenRow(
        row.id, row.agent_id, tuple(row.scopes) if row.scopes is not None else None, row.expires_at
    )
    if stamp[0] is not None and stamp[1] is not None:
        with _lock:
            if len(_tokens) >= MAX_TOKENS:
                _tokens.clear()
            _tokens[key] = (stamp, found)  # type: ignore[assignment]
    return found


def forget() -> None:
    """Drop this process's kept tokens (tests comparing a cold lookup with a warm one)."""
    with _lock:
        _tokens.clear()


def warm(s: Session) -> None:
    """Run a principal's statements once, uncached (`inbox.conversations.warm`): an agent's row
    and teams, and an unknown token's lookup (never kept)."""
    token_row(s, "0" * 64)
    anyone = s.scalar(select(Agent.id).order_by(Agent.id).limit(1))
    if anyone is not None:
        _load(s, anyone)
