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
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Float,
    Integer,
    Select,
    bindparam,
    distinct,
    func,
    or_,
    select,
    union_all,
)

from inbox.conversations.ranking import effective
from inbox.store.access import Viewer, sees_everything
from inbox.store.models import Conversation

_ORDER = (Conversation.rank_key.desc(), Conversation.last_message_at.desc(), Conversation.id.desc())
# A part of what an agent may see: ("team", team id) or ("own", agent id); None for everything.
Part = tuple[str, int] | None
# the floor while fewer than `wanted` settled rows are found: every rising row is a candidate
NO_FLOOR = float("-inf")
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


# The statement is built once per form (the list's filters, the parts' kinds, how many statuses)
# and run with parameters: see `inbox.conversations.detail` for what a reused object saves.
@lru_cache(maxsize=256)
def _statement(query: Select, kinds: tuple[str | None, ...], statuses: int) -> CompoundSelect:
    """Every candidate of the page in one statement, so one snapshot without a transaction (on
    PostgreSQL no BEGIN nor ROLLBACK; before, three statements in a REPEATABLE READ one):

    * `settled`: for each (status, part), its first `wanted` settled rows in rank order, each a
      range scan of a rank index (a subquery with its own ORDER BY and LIMIT);
    * then the rising rows of every status and part whose ceiling (`rank_key`) reaches the
      floor: the lowest key among the settled rows once there are `wanted` distinct ones
      (a row can be in a team part and the agent's own part), else `NO_FLOOR` (a
      parameter, not an OR: the key's range stays an index condition). The lowest of
      several parts' firsts is at most the N-th best, so the floor never cuts a row the page
      needs; it only spares reading rising rows that cannot make it."""
    now = bindparam("now", type_=Conversation.rank_settles_at.type)
    firsts = []
    for i in range(statuses):
        for j, kind in enumerate(kinds):
            stmt = query.where(
                Conversation.status == bindparam(f"status_{i}"),
                or_(Conversation.rank_settles_at.is_(None), Conversation.rank_settles_at <= now),
            )
            if kind is not None:
                stmt = stmt.where(_COLUMN[kind] == bindparam(f"part_{j}"))
            sub = stmt.order_by(*_ORDER).limit(bindparam("wanted", type_=Integer)).subquery(f"s{i}_{j}")
            firsts.append(select(*sub.c))
    settled = (firsts[0] if len(firsts) == 1 else union_all(*firsts)).cte("settled")
    floor = (
        select(func.min(settled.c.rank_key))
        .having(func.count(distinct(settled.c.id)) >= bindparam("wanted", type_=Integer))
        .scalar_subquery()
    )
    rising = query.where(
        Conversation.status.in_([bindparam(f"status_{i}") for i in range(statuses)]),
        Conversation.rank_settles_at > now,
        Conversation.rank_key >= func.coalesce(floor, bindparam("no_floor", type_=Float)),
    )
    if kinds[0] is not None:
        rising = rising.where(or_(*(_COLUMN[k] == bindparam(f"part_{j}") for j, k in enumerate(kinds))))
    return union_all(select(*settled.c), rising)


def _values(
    params: dict[str, Any], parts: list[Part], statuses: list[str], now: datetime, wanted: int
) -> dict[str, Any]:
    values = {**params, "now": now, "wanted": wanted, "no_floor": NO_FLOOR}
    values.update({f"status_{i}": status for i, status in enumerate(statuses)})
    values.update({f"part_{j}": part[1] for j, part in enumerate(parts) if part is not None})
    return values


def _kinds(parts: list[Part]) -> tuple[str | None, ...]:
    return tuple(part[0] if part is not None else None for part in parts)


def top(
    conn: Connection,
    query: Select,
    params: dict[str, Any],
    parts: list[Part],
    statuses: list[str],
    limit: int,
    offset: int,
    now: datetime,
) -> list[tuple[Any, float]]:
    """Rows of `query` (the conversation's columns by name; its filters' values in `params`) in
    priority order at `now`: [offset, offset + limit), each with its priority at `now`.

    `query` holds the filters but neither status nor access: `parts` (from `scopes`) are what
    the agent may see; each (status, part) pair is one index range scan. One statement
    (`_statement`), its rows fetched with `.all()` (one fetchall, not one driver fetchone per
    row: on psycopg each is a Python call)."""
    wanted = offset + limit
    stmt = _statement(query, _kinds(parts), len(statuses))
    candidates: dict[int, Any] = {}
    for row in conn.execute(stmt, _values(params, parts, statuses, now, wanted)).all():
        candidates.setdefault(row.id, row)  # a row in a team part and the agent's own part
    # each candidate's priority at `now` once: the sort's key, then the page's "priority"
    keyed = [(effective(row, now), row.last_message_at, row.id, row) for row in candidates.values()]
    keyed.sort(key=_BY_PRIORITY, reverse=True)
    return [(k[3], k[0]) for k in keyed[offset:wanted]]


# priority, then the latest message, then the id: never the row itself (ids are unique)
_BY_PRIORITY = itemgetter(0, 1, 2)


def warm(conn: Connection, query: Select, params: dict[str, Any], parts: list[Part], now: datetime) -> None:
    """Run `top`'s statement for `parts` and one status once, matching nothing
    (`inbox.conversations.warm`), with the same parameter names as `top` (the compiled cache's
    key holds them)."""
    stmt = _statement(query, _kinds(parts), 1)
    conn.execute(stmt, _values(params, parts, ["open"], now, 1)).all()
