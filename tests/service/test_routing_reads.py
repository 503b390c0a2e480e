"""What routing reads per ingest batch: the agents of the team it routes to, and their load from
the index over their unresolved conversations only (issue 22: on a year of data, reading every
agent of the workspace and their load was most of what a one-message webhook batch cost)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select, text

from inbox.store.models import Agent, Conversation
from tests.service.conftest import message, selects_run_by


def _ids(parameters: Any) -> set[int]:
    """The agent ids a load statement was given (a JSON array on SQLite, a list on PostgreSQL)."""
    values = parameters if isinstance(parameters, (list, tuple)) else list(parameters.values())
    for v in values:
        if isinstance(v, str) and v.startswith("["):
            return set(json.loads(v))
        if isinstance(v, list):
            return set(v)
    raise AssertionError(parameters)


def _history(inbox: Any, agent_id: int, n: int) -> None:
    """`n` resolved conversations of `agent_id`, copied from the one conversation there is."""
    table = Conversation.__table__
    with inbox.unit_of_work() as uow:
        row = dict(uow.session.execute(select(table)).mappings().one())
        row.pop("id")
        uow.session.execute(
            insert(table),
            [
                {**row, "thread_key": f"old-{i}", "status": "resolved", "assignee_id": agent_id}
                for i in range(n)
            ],
        )


def test_a_batch_reads_only_its_teams_agents_and_their_unresolved_load(world, inbox, post_webhook, backend):
    support = [world.agent(online=True) for _ in range(2)]
    offline = world.agent(online=False)  # in the team, offline: read (to say why), never counted
    others = [world.agent(teams=("Other",), online=True) for _ in range(6)]
    channel_id, secret = world.webhook_channel("Support")
    # the first batch reads the team's roster (later ones keep it: inbox.store.settings_cache)
    first_seen = selects_run_by(inbox, lambda: post_webhook(channel_id, secret, message("first", author="a")))
    _history(inbox, support[0]["id"], 2000)
    if backend == "postgresql":  # its planner weighs indexes by statistics; SQLite's needs none
        with inbox.engine.begin() as conn:
            conn.execute(text("ANALYZE conversations"))

    seen = selects_run_by(inbox, lambda: post_webhook(channel_id, secret, message("second", author="b")))
    reading_agents = [(st, pa) for st, pa in seen if "FROM agents" in st]
    assert reading_agents, seen
    # the team's roster (kept between batches, see inbox.store.settings_cache), and the live
    # presence of exactly its members by id
    members = {a["id"] for a in support} | {offline["id"]}
    for st, pa in reading_agents:
        assert "agent_teams.team_id =" in st or _ids(pa) == members, (st, pa)
    roster, roster_params = next((st, pa) for st, pa in first_seen + seen if "agent_teams.team_id =" in st)
    with inbox.engine.begin() as conn:  # one team's members through ix_agent_teams_team (0011)
        if backend == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + roster, roster_params).all()
            assert "ix_agent_teams_team (team_id=?)" in " ".join(row[-1] for row in plan), plan
        else:  # a few rows: the planner may scan them; forbid that to see the index serves it
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + roster, roster_params))
            assert "ix_agent_teams_team" in plan, plan
    # presence and load in one statement (issue 22): the members by id, the load counted for the
    # online ones only, each from the index over their unresolved conversations
    loads = [(st, pa) for st, pa in reading_agents if "count(*)" in st and "assignee_id" in st]
    [(statement, parameters)] = loads
    assert "GROUP BY" not in statement, statement
    assert _ids(parameters) == members
    assert not _ids(parameters) & {a["id"] for a in others}
    with inbox.engine.begin() as conn:
        if backend == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = " ".join(row[-1] for row in plan)
            assert "ix_conversations_assignee_status (assignee_id=? AND status=?)" in details, details
        else:
            # with statistics, as on a real inbox: on a never-analyzed handful of rows PostgreSQL's
            # default estimates may price a scan of every unresolved row below the agent's range
            conn.exec_driver_sql("ANALYZE conversations")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            conds = [line for line in plan.splitlines() if "Index Cond" in line and "assignee_id" in line]
            assert any("status" in c for c in conds), plan
    with inbox.read() as s:
        assignees = dict(s.execute(select(Conversation.thread_key, Conversation.assignee_id)).all())
    assert assignees["second"] in {a["id"] for a in support}


def test_the_load_counts_unresolved_conversations_of_online_agents_only(world, inbox, post_webhook):
    """The load read beside the presence: an online agent's unresolved conversations (not the
    resolved ones), nothing for an offline agent whatever they hold."""
    from inbox.conversations.assignment import agent_states

    online = world.agent(online=True)
    offline = world.agent(online=False)
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("first", author="a"))
    _history(inbox, online["id"], 3)  # resolved: not counted
    with inbox.unit_of_work() as uow:
        table = Conversation.__table__
        row = dict(uow.session.execute(select(table).limit(1)).mappings().one())
        row.pop("id")
        uow.session.execute(
            insert(table),
            [
                {**row, "thread_key": f"open-{i}", "status": "open", "assignee_id": online["id"]}
                for i in range(2)
            ]
            + [
                {**row, "thread_key": f"off-{i}", "status": "open", "assignee_id": offline["id"]}
                for i in range(4)
            ],
        )
    with inbox.read() as s:
        states = agent_states(s, world.team_id("Support"))
        assigned_first = s.scalar(select(Conversation.assignee_id).where(Conversation.thread_key == "first"))
    assert assigned_first == online["id"]
    assert states[online["id"]].open_count == 3  # "first" and the two open ones
    assert states[offline["id"]].open_count == 0
    assert states[offline["id"]].presence == "offline"


def test_a_conversation_of_no_team_is_routed_among_every_agent(world, inbox, post_webhook):
    """With no team, routing reads everyone (as before): any online agent may take it."""
    agents = [world.agent(teams=(team,), online=True) for team in ("One", "Two")]
    channel_id, secret = world.webhook_channel(None)
    for i in range(4):
        post_webhook(channel_id, secret, message(f"m{i}", author=f"u{i}"))
    with inbox.read() as s:
        assignees = set(s.scalars(select(Conversation.assignee_id)))
    assert assignees == {a["id"] for a in agents}  # round robin over both teams' agents


def test_an_agent_of_two_teams_carries_one_load_whichever_team_routes(world, inbox):
    """Read for one team's batch, an agent of two teams still has the load the other gave them."""
    from datetime import UTC, datetime

    from connectors.types import Author, InboundMessage
    from inbox.channels.accounts import create_channel
    from inbox.ingest import ingest

    shared = world.agent(teams=("Support", "Other"), online=True)
    with inbox.unit_of_work() as uow:
        # through SQLAlchemy, so the kept roster is invalidated (raw SQL would bump no token)
        uow.session.execute(Agent.__table__.update().where(Agent.id == shared["id"]).values(capacity=1))
    ids = {}
    for team in ("Support", "Other"):
        ch, _ = create_channel(inbox, None, "webhook", f"hook {team}", {}, {}, world.team_id(team))
        ids[team] = ch["id"]
    now = datetime.now(UTC)
    first = ingest(
        inbox, ids["Support"], [InboundMessage("webhook", "s1", "s1", Author("a", "a"), "Hi", now)]
    )
    second = ingest(inbox, ids["Other"], [InboundMessage("webhook", "o1", "o1", Author("b", "b"), "Hi", now)])
    with inbox.read() as s:
        got = {
            cid: (assignee, reason)
            for cid, assignee, reason in s.execute(
                select(Conversation.id, Conversation.assignee_id, Conversation.queue_reason)
            )
        }
    assert got[first.conversation_ids[0]][0] == shared["id"]
    assert got[second.conversation_ids[0]][0] is None  # full: capacity 1 already taken
    assert "waiting" in got[second.conversation_ids[0]][1]
