"""The ranked inbox list on a year-sized database: plan and time, through the service and bare.

    python -m web.bench.ranked_list [DATABASE_URL]      (default: a SQLite file in a temp dir)

Builds 100,000 conversations (27,000 open, 13,000 pending or snoozed, 60,000 resolved) over 20
teams and 20 agents, a few hundred of the open ones still rising (waiting began in the last three
hours), then prints the p50/p95 of `list_conversations` for one team, for an agent's own view
(their team and what is assigned to them), for "mine", and for a supervisor's all-teams view,
beside the old statement's shape (ORDER BY a per-row expression of now) run bare on the same
rows, with both plans. Rows are written with the columns the running schema has, so the same
script measures the code before this change too.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.sql.elements import TextClause

N_CONVERSATIONS = 100_000
N_OPEN = 27_000
N_WAITING = 13_000
N_TEAMS = 20
N_CUSTOMERS = 50_000


def build(url: str) -> tuple[Any, dict[str, int]]:
    from inbox.admin.agents import create_agent
    from inbox.channels.demo import seed_defaults
    from inbox.store.models import Agent, ChannelAccount, Conversation, Customer, Team
    from inbox.store.schema import upgrade
    from web.app import create_app
    from web.config import Config

    upgrade(url)
    app = create_app(
        Config(
            database_url=url,
            redis_url=None,
            secret_key="bench",
            scheduler=False,
            instance_path=tempfile.mkdtemp(),
        )
    )
    inbox = app.extensions["murmur.inbox"]
    with inbox.read() as s:
        existing = s.scalar(select(func.count()).select_from(Conversation))
    if existing:  # built by an earlier run: measure again without rebuilding
        with inbox.read() as s:
            agents = [
                s.scalar(select(Agent.id).where(Agent.email == f"rank{i}@example.com"))
                for i in range(N_TEAMS)
            ]
            team = s.scalar(select(Team.id).where(Team.name == "Team 0"))
            supervisor = s.scalar(select(Agent.id).where(Agent.email == "rank-sup@example.com"))
        return inbox, {"agent": agents[0], "team": team, "supervisor": supervisor}
    seed_defaults(inbox)
    agents = [
        create_agent(
            inbox, f"rank{i}@example.com", "bench password long", "agent", f"A{i}", [f"Team {i % N_TEAMS}"]
        )
        for i in range(N_TEAMS)
    ]
    supervisor = create_agent(
        inbox,
        "rank-sup@example.com",
        "bench password long",
        "supervisor",
        "Sup",
        [f"Team {i}" for i in range(N_TEAMS)],
    )
    now = datetime.now(UTC)
    rnd = random.Random(22)
    with inbox.unit_of_work() as uow:
        s = uow.session
        teams = dict(s.execute(text("SELECT name, id FROM teams")).all())
        team_ids = [teams[f"Team {i}"] for i in range(N_TEAMS)]
        channel = s.execute(
            insert(ChannelAccount)
            .values(kind="webhook", name="bench", settings={})
            .returning(ChannelAccount.id)
        ).scalar_one()
        s.execute(insert(Customer), [{"name": f"C{i}", "attributes": {}} for i in range(N_CUSTOMERS)])
        first = s.scalar(select(Customer.id).order_by(Customer.id))
        columns = {c.key for c in Conversation.__table__.columns}
        rows = []
        for i in range(N_CONVERSATIONS):
            if i < N_OPEN:
                status = "open"
            elif i < N_OPEN + N_WAITING:
                status = rnd.choice(["pending", "snoozed"])
            else:
                status = "resolved"
            created = now - timedelta(minutes=rnd.uniform(0, 365 * 24 * 60))
            rising = status == "open" and i % 90 == 0  # about 300 began waiting in the last three hours
            if rising:
                created = now - timedelta(minutes=rnd.uniform(1, 179))
            waiting_since = created if status == "open" and (rising or i % 2) else None
            static = rnd.uniform(0, 75)
            row = {
                "customer_id": first + rnd.randrange(N_CUSTOMERS),
                "channel_account_id": channel,
                "channel": "webhook",
                "thread_key": f"bench-{i}",
                "status": status,
                "team_id": team_ids[i % N_TEAMS],
                "assignee_id": agents[i % N_TEAMS] if i % 3 == 0 else None,
                "priority_components": [],
                "last_message_at": created,
                "waiting_since": waiting_since,
                "created_at": created,
                "updated_at": created,
                "resolved_at": created if status == "resolved" else None,
                # this change's stored form
                "rank_key": static + (25.0 if waiting_since else 0.0),
                "rank_curve": 25.0 / (3 * 3600.0) ** 2 if rising else 0.0,
                "rank_settles_at": created + timedelta(hours=3) if rising else None,
                # the old one: anchor + rate * now, rate 10 points per hour waited
                "priority_base": static,
                "priority_rate": 10 / 3600 if waiting_since else 0.0,
                "priority_anchor": static - (10 / 3600) * waiting_since.timestamp()
                if waiting_since
                else static,
            }
            rows.append({k: v for k, v in row.items() if k in columns})
        for i in range(0, len(rows), 20_000):
            s.execute(insert(Conversation), rows[i : i + 20_000])
    with inbox.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return inbox, {"agent": agents[0], "team": team_ids[0], "supervisor": supervisor}


def _times(work: Callable[[], Any], n: int = 200) -> tuple[float, float]:
    for _ in range(10):
        work()
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        work()
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return statistics.median(ms), ms[int(0.95 * len(ms)) - 1]


def _plan(inbox: Any, sql: Any, params: dict) -> str:
    prefix = "EXPLAIN QUERY PLAN " if inbox.engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    stmt = sql if isinstance(sql, TextClause) else text(sql)
    stmt = text(prefix + stmt.text).bindparams(*stmt._bindparams.values())
    with inbox.engine.connect() as conn:
        return "\n".join(
            str(r[-1] if prefix.startswith("EXPLAIN Q") else r[0]) for r in conn.execute(stmt, params)
        )


def main(url: str) -> None:
    from inbox.conversations import service as svc

    inbox, ids = build(url)
    print(
        f"{inbox.engine.dialect.name}: {N_CONVERSATIONS:,} conversations, {N_OPEN:,} open over {N_TEAMS} teams"
    )
    views = {
        "one team": (ids["agent"], svc.ListFilter(team=ids["team"])),
        "agent's own view": (ids["agent"], svc.ListFilter()),
        "mine": (ids["agent"], svc.ListFilter(assignee="me")),
        "unassigned, one team": (ids["agent"], svc.ListFilter(assignee="none", team=ids["team"])),
        "supervisor, all teams": (ids["supervisor"], svc.ListFilter()),
    }
    for name, (agent, f) in views.items():
        assert len(svc.list_conversations(inbox, agent, f)) == 50
        p50, p95 = _times(lambda a=agent, f=f: svc.list_conversations(inbox, a, f))
        print(f"  list_conversations, {name:22} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    # The old statement's shape, bare: no index can order a per-row expression of now.
    columns = {c["name"] for c in _columns(inbox)}
    expr = (
        "priority_anchor + priority_rate * :now"
        if "priority_anchor" in columns
        else "rank_key + rank_curve * :now"
    )
    old = (
        "SELECT conversations.id FROM conversations JOIN customers ON customers.id = conversations.customer_id"
        f" WHERE conversations.team_id = :team AND conversations.status = 'open' ORDER BY {expr} DESC,"
        " conversations.last_message_at DESC, conversations.id DESC LIMIT 50"
    )
    params = {"team": ids["team"], "now": time.time()}
    with inbox.engine.connect() as conn:
        p50, p95 = _times(lambda: conn.execute(text(old), params).all())
    print(f"  bare SQL, old shape ({expr}), one team: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    print("  plan:", _plan(inbox, old, params).replace("\n", "\n        "))
    if "rank_key" in columns:
        new = (
            "SELECT conversations.id FROM conversations JOIN customers ON customers.id = conversations.customer_id"
            " WHERE conversations.team_id = :team AND conversations.status = 'open'"
            " AND (conversations.rank_settles_at IS NULL OR conversations.rank_settles_at <= :at)"
            " ORDER BY conversations.rank_key DESC, conversations.last_message_at DESC, conversations.id DESC LIMIT 50"
        )
        from inbox.store.models.base import UTCDateTime

        stmt = text(new).bindparams(bindparam("at", type_=UTCDateTime()))
        params = {"team": ids["team"], "at": datetime.now(UTC)}
        with inbox.engine.connect() as conn:
            p50, p95 = _times(lambda: conn.execute(stmt, params).all())
        print(f"  bare SQL, new settled scan, one team: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
        print("  plan:", _plan(inbox, stmt, params).replace("\n", "\n        "))


def _columns(inbox: Any) -> list[dict]:
    from sqlalchemy import inspect

    return inspect(inbox.engine).get_columns("conversations")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp(prefix='murmur-rank-')}/bench.db"
    )
