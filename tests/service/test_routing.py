"""Routing: languages and capacity, least loaded, the queue's reason, presence grace and re-routing."""

from __future__ import annotations

from inbox.automation import presence
from tests.service.conftest import message, selects_run_by, sio_client, wait_for
from web.extensions import socketio


def _convs(client, who):
    return client.get("/api/conversations?status=all", headers=who["auth"]).get_json()["conversations"]


def _drop(client) -> None:
    """A dropped transport (not a goodbye): the grace period applies."""
    socketio.server._handle_disconnect(client.eio_sid, "/", socketio.server.reason.TRANSPORT_CLOSE)
    client.connected.pop("/", None)


def test_language_nobody_speaks_waits_and_says_so(client, world, post_webhook):
    sup = world.agent("supervisor", teams=())
    world.agent(online=True, languages=["en"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("th1", "สินค้ายังไม่มาถึงเลยค่ะ รอมาสองอาทิตย์แล้ว", language="th"))
    conv = _convs(client, sup)[0]
    assert conv["language"] == "th"
    assert conv["assignee_id"] is None and "speaks th" in conv["queue_reason"]


def test_language_speaker_gets_it(client, world, post_webhook):
    sup = world.agent("supervisor", teams=())
    world.agent(online=True, languages=["en"])
    thai = world.agent(online=True, languages=["th", "en"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("th1", "สินค้ายังไม่มาถึงเลยค่ะ รอมาสองอาทิตย์แล้ว", language="th"))
    assert _convs(client, sup)[0]["assignee_id"] == thai["id"]


def test_capacity_is_respected(client, world, post_webhook, inbox, clock):
    from inbox.store.models import Agent

    sup = world.agent("supervisor", teams=())
    a = world.agent(online=True)
    with inbox.unit_of_work() as uow:
        uow.session.get(Agent, a["id"]).capacity = 1
    channel_id, secret = world.webhook_channel("Support")
    for i in range(2):
        clock.advance(seconds=1)
        post_webhook(channel_id, secret, message(f"c{i}", author=f"x{i}"))
    convs = _convs(client, sup)
    assert sorted(c["assignee_id"] or 0 for c in convs) == [0, a["id"]]
    assert any("capacity" in c["queue_reason"] for c in convs)


def test_least_loaded_strategy(client, world, post_webhook, inbox, clock):
    from inbox.store.models import Team

    sup = world.agent("supervisor", teams=())
    busy, idle = world.agent(online=True), world.agent(online=True)
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("l0", author="first"))
    first = _convs(client, sup)[0]
    client.patch(f"/api/conversations/{first['id']}", json={"assignee_id": busy["id"]}, headers=sup["auth"])
    with inbox.unit_of_work() as uow:
        uow.session.get(Team, world.team_id("Support")).routing_strategy = "least_loaded"
    clock.advance(seconds=1)
    post_webhook(channel_id, secret, message("l1", author="second"))
    newest = next(c for c in _convs(client, sup) if c["id"] != first["id"])
    assert newest["assignee_id"] == idle["id"]


def test_dropped_connection_keeps_work_within_grace_then_reroutes(
    app, client, world, post_webhook, inbox, clock
):
    sup = world.agent("supervisor", teams=())
    leaving = world.agent()
    sock = sio_client(app, leaving["token"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("g1", author="auto"))
    post_webhook(channel_id, secret, message("g2", author="manual"))
    convs = {c["id"]: c for c in _convs(client, sup)}
    assert all(c["assignee_id"] == leaving["id"] for c in convs.values())
    manual_id = min(convs)
    client.patch(f"/api/conversations/{manual_id}", json={"assignee_id": leaving["id"]}, headers=sup["auth"])
    other = world.agent()
    other_sock = sio_client(app, other["token"])
    _drop(sock)
    clock.advance(seconds=30)
    assert presence.sweep(inbox) == {"offline": 0, "rerouted": 0}  # within the grace: nothing moves
    clock.advance(seconds=31)
    assert presence.sweep(inbox) == {"offline": 1, "rerouted": 1}
    wait_for(other_sock, "conversation.assigned", where=lambda e: e["assignee_id"] == other["id"])
    convs = {c["id"]: c for c in _convs(client, sup)}
    assert convs[manual_id]["assignee_id"] == leaving["id"]  # manual assignment always wins
    assert [c["assignee_id"] for cid, c in convs.items() if cid != manual_id] == [other["id"]]


def test_reconnect_within_grace_keeps_agent_online(app, world, inbox, clock, client):
    sup = world.agent("supervisor", teams=())
    agent = world.agent()
    _drop(sio_client(app, agent["token"]))
    clock.advance(seconds=20)
    sio_client(app, agent["token"])
    clock.advance(seconds=120)
    presence.sweep(inbox)
    board = client.get("/api/agents/presence", headers=sup["auth"]).get_json()["agents"]
    assert next(a for a in board if a["id"] == agent["id"])["presence"] == "online"
    assert client.get("/api/agents/presence", headers=agent["auth"]).status_code == 403


def test_pending_and_snoozed_work_counts_toward_capacity_and_resolved_does_not(
    client, world, post_webhook, inbox, clock
):
    from inbox.store.models import Agent

    sup = world.agent("supervisor", teams=())
    a = world.agent(online=True)
    with inbox.unit_of_work() as uow:
        uow.session.get(Agent, a["id"]).capacity = 2
    channel_id, secret = world.webhook_channel("Support")

    def arrive(author: str) -> dict:
        clock.advance(seconds=1)
        post_webhook(channel_id, secret, message(f"m-{author}", author=author))
        return next(c for c in _convs(client, sup) if c["customer_name"] == f"User {author}")

    def set_status(conv: dict, status: str, **extra) -> None:
        r = client.patch(
            f"/api/conversations/{conv['id']}", json={"status": status, **extra}, headers=sup["auth"]
        )
        assert r.status_code == 200, r.get_json()

    set_status(arrive("r1"), "resolved")
    set_status(arrive("r2"), "resolved")
    set_status(arrive("p1"), "pending")  # load 1 of 2: resolved work is not load
    assert arrive("n1")["assignee_id"] == a["id"]  # load 2 of 2 now
    assert arrive("n2")["assignee_id"] is None
    n1 = next(c for c in _convs(client, sup) if c["customer_name"] == "User n1")
    set_status(n1, "resolved")  # back to load 1 (the pending one)
    s1 = arrive("s1")
    assert s1["assignee_id"] == a["id"]
    set_status(s1, "snoozed", snoozed_until="2099-01-01T00:00:00+00:00")  # snoozed still counts: load 2
    assert arrive("n3")["assignee_id"] is None


def test_agent_load_reads_only_unresolved_index_entries(client, inbox, world, post_webhook, backend):
    """Resolved conversations pile up for ever; the per-batch load count must find the
    unresolved ones through the (assignee, status) index, not scan an agent's whole history."""
    from sqlalchemy import insert, select, text

    from inbox.conversations import assignment
    from inbox.store.models import Conversation

    agent = world.agent(online=True)
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("live", author="live"))
    table = Conversation.__table__
    with inbox.unit_of_work() as uow:  # a long history: thousands resolved, one still open
        row = dict(uow.session.execute(select(table)).mappings().one())
        row.pop("id")
        history = [
            {**row, "thread_key": f"old-{i}", "status": "resolved", "assignee_id": agent["id"]}
            for i in range(3000)
        ]
        uow.session.execute(insert(table), history)
    if backend == "postgresql":  # its planner weighs indexes by statistics; SQLite's needs none
        with inbox.engine.begin() as conn:  # (and SQLite's would outlive the test in the shared file)
            conn.execute(text("ANALYZE conversations"))

    states: dict = {}

    def load() -> None:
        with inbox.unit_of_work() as uow:
            states.update(assignment.agent_states(uow.session))

    seen = [(st, pa) for st, pa in selects_run_by(inbox, load) if "count(*)" in st and "assignee_id" in st]
    assert states[agent["id"]].open_count == 1
    [(statement, parameters)] = seen
    with inbox.engine.begin() as conn:
        if backend == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = " ".join(row[-1] for row in plan)
            assert "ix_conversations_assignee_status (assignee_id=? AND status=?)" in details, details
        else:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            conds = [line for line in plan.splitlines() if "Index Cond" in line]
            assert any("status" in c for c in conds), plan  # by either index: `!=` could be neither
