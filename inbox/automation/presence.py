"""Presence from Socket.IO connections, with a grace period, and re-routing away from absent agents.

Connections are counted per agent in a registry: in-process for the embedded mode, in Redis
(a set of socket ids per agent) when several web processes share the load, so an agent with
a tab open on process A is not "gone" because their tab on process B closed. When the last
connection drops the agent keeps their status for `grace_seconds` (a train tunnel, a reload);
`sweep` then marks them offline and hands their automatic assignments back to routing.
Manual assignments stay: a person chose that agent.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import redis
from sqlalchemy import func, select

from escalation import AgentState, conversations_to_reroute, presence_after_grace
from inbox.admin import agents
from inbox.conversations import assignment
from inbox.conversations.serialize import conversation_dict
from inbox.store.context import Inbox
from inbox.store.events import conversation_rooms
from inbox.store.models import UNRESOLVED, Agent, Conversation, ConversationLabel, Customer, Presence

DEFAULT_GRACE_SECONDS = 60.0
_KEY = "murmur.presence.registry"


class Registry(Protocol):
    def add(self, sid: str, agent_id: int) -> int: ...
    def remove(self, sid: str, now_ts: float) -> tuple[int | None, int]: ...
    def count(self, agent_id: int) -> int: ...
    def left(self) -> dict[int, float]: ...
    def forget(self, agent_id: int) -> None: ...


class LocalRegistry:
    """Connections of this process only (embedded mode: there is one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sids: dict[int, set[str]] = {}
        self._agent: dict[str, int] = {}
        self._left: dict[int, float] = {}

    def add(self, sid: str, agent_id: int) -> int:
        with self._lock:
            self._agent[sid] = agent_id
            self._sids.setdefault(agent_id, set()).add(sid)
            self._left.pop(agent_id, None)
            return len(self._sids[agent_id])

    def remove(self, sid: str, now_ts: float) -> tuple[int | None, int]:
        with self._lock:
            agent_id = self._agent.pop(sid, None)
            if agent_id is None:
                return None, 0
            sids = self._sids.get(agent_id, set())
            sids.discard(sid)
            if not sids:
                self._left[agent_id] = now_ts
            return agent_id, len(sids)

    def count(self, agent_id: int) -> int:
        with self._lock:
            return len(self._sids.get(agent_id, ()))

    def left(self) -> dict[int, float]:
        with self._lock:
            return dict(self._left)

    def forget(self, agent_id: int) -> None:
        with self._lock:
            self._left.pop(agent_id, None)


class RedisRegistry:
    """Connections across every web process: a Redis set of socket ids per agent.

    A set (not a bare counter) makes add/remove idempotent, so a disconnect seen twice
    cannot drive the count below the truth.
    """

    def __init__(self, url: str, prefix: str = "murmur:presence") -> None:
        self.r = redis.Redis.from_url(url)
        self.prefix = prefix

    def _sids(self, agent_id: int) -> str:
        return f"{self.prefix}:sids:{agent_id}"

    def add(self, sid: str, agent_id: int) -> int:
        p = self.r.pipeline()
        p.set(f"{self.prefix}:sid:{sid}", agent_id, ex=86400)
        p.sadd(self._sids(agent_id), sid)
        p.hdel(f"{self.prefix}:left", agent_id)
        p.scard(self._sids(agent_id))
        return int(p.execute()[-1])

    def remove(self, sid: str, now_ts: float) -> tuple[int | None, int]:
        raw = self.r.getdel(f"{self.prefix}:sid:{sid}")
        if raw is None:
            return None, 0
        agent_id = int(raw)
        p = self.r.pipeline()
        p.srem(self._sids(agent_id), sid)
        p.scard(self._sids(agent_id))
        left = int(p.execute()[-1])
        if left == 0:
            self.r.hset(f"{self.prefix}:left", agent_id, now_ts)
        return agent_id, left

    def count(self, agent_id: int) -> int:
        return int(self.r.scard(self._sids(agent_id)))

    def left(self) -> dict[int, float]:
        return {int(k): float(v) for k, v in self.r.hgetall(f"{self.prefix}:left").items()}

    def forget(self, agent_id: int) -> None:
        self.r.hdel(f"{self.prefix}:left", agent_id)


def registry(inbox: Inbox, redis_url: str | None = None) -> Registry:
    """The inbox's registry, made on first use (Redis when a URL is configured)."""
    reg = inbox.settings.get(_KEY)
    if reg is None:
        reg = RedisRegistry(redis_url) if redis_url else LocalRegistry()
        inbox.settings[_KEY] = reg
    return reg


def grace_seconds(inbox: Inbox) -> float:
    return float(inbox.settings.get("presence_grace_seconds", DEFAULT_GRACE_SECONDS))


def connected(inbox: Inbox, sid: str, agent_id: int) -> None:
    """A socket opened: the agent is online (back within the grace period, nothing changes)."""
    registry(inbox).add(sid, agent_id)
    agents.set_presence(inbox, agent_id, Presence.ONLINE.value)


def disconnected(inbox: Inbox, sid: str, deliberate: bool = False) -> None:
    """A socket closed. A deliberate disconnect (log out) with no other socket is offline now;
    a dropped one starts the grace period that `sweep` ends."""
    agent_id, left = registry(inbox).remove(sid, inbox.clock().timestamp())
    if agent_id is not None and left == 0 and deliberate:
        registry(inbox).forget(agent_id)
        agents.set_presence(inbox, agent_id, Presence.OFFLINE.value)


def sweep(inbox: Inbox) -> dict[str, int]:
    """Mark agents offline whose last socket dropped more than the grace ago, then re-route the
    open, automatically assigned conversations of offline agents. Safe to run concurrently."""
    reg, grace, now = registry(inbox), grace_seconds(inbox), inbox.clock()
    gone = 0
    for agent_id, left_ts in reg.left().items():
        if reg.count(agent_id) == 0 and presence_after_grace(left_ts, False, now, grace) == "offline":
            agents.set_presence(inbox, agent_id, Presence.OFFLINE.value)
            reg.forget(agent_id)
            gone += 1
    return {"offline": gone, "rerouted": reroute_absent(inbox)}


def reroute_absent(inbox: Inbox) -> int:
    """Give back to routing the open conversations of agents who are offline (never manual ones)."""
    now = inbox.clock()
    absent = (
        select(Conversation.id, Conversation.assignee_id, Conversation.assigned_manually)
        .join(Agent, Agent.id == Conversation.assignee_id)
        .where(Conversation.status.in_(UNRESOLVED), Agent.presence == Presence.OFFLINE.value)
    )
    with inbox.read() as s:  # the usual sweep finds nobody to re-route: no write lock for that
        if s.execute(absent.limit(1)).first() is None:
            return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        rows = s.execute(absent).all()
        if not rows:
            return 0
        offline = [AgentState(id=a, presence=Presence.OFFLINE.value) for a in {r.assignee_id for r in rows}]
        plan = conversations_to_reroute(
            offline, [(r.id, r.assignee_id, r.assigned_manually) for r in rows], now, 0
        )
        if not plan.reroute:
            return 0
        router = assignment.BatchRouter(s)
        convs = list(
            s.scalars(
                select(Conversation)
                .where(Conversation.id.in_([a.conversation_id for a in plan.reroute]))
                .with_for_update()
                .order_by(Conversation.id)
            )
        )
        for conv in convs:
            before = conv.assignee_id
            decision = router.choose(conv, now.timestamp())
            conv.assignee_id = decision.agent_id
            conv.queue_reason = "" if decision.agent_id else decision.reason
            conv.updated_at = now
            if decision.agent_id is not None:
                s.get(Agent, decision.agent_id).last_assigned_at = now
            _announce(uow, conv, before)
        return len(convs)


def _announce(uow: Any, conv: Conversation, before: int | None) -> None:
    s = uow.session
    labels = sorted(
        s.scalars(select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv.id))
    )
    summary = conversation_dict(conv, s.get(Customer, conv.customer_id), labels)
    rooms = (*conversation_rooms(conv.team_id, conv.assignee_id, conv.id), f"agent:{before}")
    uow.emit("conversation.updated", {"conversation": summary, "rerouted_from": before}, rooms)
    if conv.assignee_id is not None:
        uow.emit("conversation.assigned", {"conversation": summary, "assignee_id": conv.assignee_id}, rooms)


def presence_board(inbox: Inbox) -> list[dict[str, Any]]:
    """Every active agent's presence, open load and capacity, for the supervisors' at-a-glance view."""
    with inbox.read() as s:
        loads = dict(
            s.execute(
                select(Conversation.assignee_id, func.count())
                .where(Conversation.status.in_(UNRESOLVED), Conversation.assignee_id.is_not(None))
                .group_by(Conversation.assignee_id)
            ).all()
        )
        return [
            {
                "id": a.id,
                "name": a.name,
                "role": a.role,
                "presence": a.presence,
                "languages": a.languages,
                "capacity": a.capacity,
                "open": loads.get(a.id, 0),
                "teams": a.team_ids,
            }
            for a in s.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name))
        ]
