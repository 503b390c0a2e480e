"""The ranked inbox list, read from an index in exact priority order.

A conversation's priority at time t is `rank_key - rank_curve * max(0, rank_settles_at - t)**2`
(sentiment.rank): it rises while the customer waits and settles at `rank_key` once waiting is
full; with nobody waiting it is `rank_key` for good. So at any `now` the conversations split in
two:

* settled (`rank_settles_at` NULL or past): priority == rank_key. The indexes
  (team_id | assignee_id, status, rank_key, last_message_at, id) and (status, rank_key, ...)
  give them in exact order; reading the first N of each scope is an index range scan.
* rising (`rank_settles_at` > now): priority <= rank_key. Only conversations whose waiting
  began less than three SLA periods ago (three hours by default) and are still unanswered;
  read by their own index and ranked in Python.

The top N is exact: take the first N settled rows (their priorities are their keys), and every
rising row whose ceiling (`rank_key`) reaches the N-th settled priority; a rising row below that
cannot be in the top N, nor can a settled row after the N-th. Ties are broken by the newest
message, then the highest id, in SQL and here alike. No periodic job is needed: a conversation
moves from rising to settled by the clock alone.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, or_
from sqlalchemy.orm import Session

from inbox.conversations.ranking import effective
from inbox.store.access import Viewer, sees_everything
from inbox.store.models import Conversation

_ORDER = (Conversation.rank_key.desc(), Conversation.last_message_at.desc(), Conversation.id.desc())
# A part of what an agent may see: ("team", team id) or ("own", agent id); None for everything.
Part = tuple[str, int] | None
_COLUMN = {"team": Conversation.team_id, "own": Conversation.assignee_id}


def scopes(agent: Viewer, team: int | None, mine: bool) -> list[Part]:
    """What `agent` may see, as parts an index reads in rank order: each of their teams, and what
    is assigned to them (an OR of the two would make the planner gather and sort every row).
    `[None]` (no clause) when they see everything or only ask for their own."""
    if mine or sees_everything(agent):
        return [None]
    own = ("own", agent.id)
    if team is not None:
        return [("team", team)] if team in agent.team_ids else [own]
    return [("team", t) for t in sorted(agent.team_ids)] + [own]


# The statements are built once per form (the list's filters, the part's kind, how many parts)
# and run with parameters: see `inbox.conversations.detail` for what a reused object saves.
@lru_cache(maxsize=256)
def _settled(query: Select, kind: str | None) -> Select:
    now = bindparam("now", type_=Conversation.rank_settles_at.type)
    stmt = query.where(
        Conversation.status == bindparam("status"),
        or_(Conversation.rank_settles_at.is_(None), Conversation.rank_settles_at <= now),
    )
    if kind is not None:
        stmt = stmt.where(_COLUMN[kind] == bindparam("part"))
    return stmt.order_by(*_ORDER).limit(bindparam("wanted", type_=Integer))


@lru_cache(maxsize=256)
def _rising(query: Select, kinds: tuple[str, ...] | None, floor: bool) -> Select:
    now = bindparam("now", type_=Conversation.rank_settles_at.type)
    stmt = query.where(
        Conversation.status.in_(bindparam("statuses", expanding=True)), Conversation.rank_settles_at > now
    )
    if kinds is not None:  # [None] or clauses only
        stmt = stmt.where(or_(*(_COLUMN[k] == bindparam(f"part_{i}") for i, k in enumerate(kinds))))
    if floor:  # a rising conversation below the N-th settled one cannot make the page
        stmt = stmt.where(Conversation.rank_key >= bindparam("floor"))
    return stmt


def top(
    s: Session,
    query: Select,
    params: dict[str, Any],
    parts: list[Part],
    statuses: list[str],
    limit: int,
    offset: int,
    now: datetime,
) -> list[Any]:
    """Rows of `query` (the conversation's columns by name; its filters' values in `params`) in
    priority order at `now`: [offset, offset + limit).

    `query` holds the filters but neither status nor access: `parts` (from `scopes`) are what
    the agent may see; each (status, part) pair is one index range scan."""
    wanted = offset + limit
    # rows fetched with `.all()` (one fetchall), not one driver fetchone per row: on psycopg
    # each is a Python call, a tenth of a ranked list's CPU with its labels
    found: dict[int, Any] = {}
    conn = s.connection()
    for status in statuses:
        for part in parts:
            values = {**params, "status": status, "now": now, "wanted": wanted}
            if part is not None:
                values["part"] = part[1]
            for row in conn.execute(_settled(query, part[0] if part is not None else None), values).all():
                found.setdefault(row.id, row)
    best = sorted(found.values(), key=_settled_order, reverse=True)[:wanted]
    values = {**params, "statuses": statuses, "now": now}
    kinds = None
    if parts[0] is not None:
        kinds = tuple(p[0] for p in parts if p is not None)
        values.update({f"part_{i}": p[1] for i, p in enumerate(parts) if p is not None})
    if len(best) == wanted:
        values["floor"] = best[-1].rank_key
    candidates = {row.id: row for row in best}
    for row in conn.execute(_rising(query, kinds, len(best) == wanted), values).all():
        candidates.setdefault(row.id, row)
    at = now

    def exact(row: Any) -> tuple[float, datetime, int]:
        return (effective(row, at), row.last_message_at, row.id)

    return sorted(candidates.values(), key=exact, reverse=True)[offset:wanted]


def _settled_order(row: Any) -> tuple[float, datetime, int]:
    return (row.rank_key, row.last_message_at, row.id)


def warm(s: Session, query: Select, params: dict[str, Any], parts: list[Part], now: datetime) -> None:
    """Run `top`'s statements for `parts` once (`inbox.conversations.warm`), matching nothing,
    with the same parameter names as `top` (the compiled cache's key holds them)."""
    conn = s.connection()
    for part in parts:
        values = {**params, "status": "open", "now": now, "wanted": 1}
        if part is not None:
            values["part"] = part[1]
        conn.execute(_settled(query, part[0] if part is not None else None), values).all()
    values = {**params, "statuses": ["open"], "now": now}
    kinds = None
    if parts[0] is not None:
        kinds = tuple(p[0] for p in parts if p is not None)
        values.update({f"part_{i}": p[1] for i, p in enumerate(parts) if p is not None})
    conn.execute(_rising(query, kinds, False), values).all()
    conn.execute(_rising(query, kinds, True), {**values, "floor": 1000.0}).all()
