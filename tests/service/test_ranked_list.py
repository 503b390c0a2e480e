"""The ranked list through the API equals ranking every conversation from scratch, on both
databases, for every view and as time passes; it is read from the rank indexes; and an old,
answered e-mail sits below today's angry VIP."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update

from inbox.conversations.ranking import effective
from inbox.store.models import Conversation, Customer
from tests.service.conftest import message, selects_run_by


def _ids(client: Any, auth: dict, query: str = "") -> list[int]:
    res = client.get("/api/conversations" + query, headers=auth)
    assert res.status_code == 200, res.get_json()
    return [c["id"] for c in res.get_json()["conversations"]]


def _seed(inbox: Any, world: Any, post_webhook: Any, clock: Any, agent_ids: list[int]) -> dict[str, int]:
    """A few hundred conversations in every rank state: rising at different curves, settled,
    frozen by a reply, tied on rank and on last message, over two teams, assigned or not."""
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("seed", "Where is my order?", author="seed"))
    teams = {"Support": world.team_id("Support"), "Billing": world.team_id("Billing")}
    now = clock()
    rnd = random.Random(22)
    table = Conversation.__table__
    with inbox.unit_of_work() as uow:
        row = dict(uow.session.execute(select(table)).mappings().one())
        row.pop("id")
        rows = []
        for i in range(240):
            state = rnd.choice(["settled", "frozen", "rising", "rising", "past"])
            key = rnd.choice([12.5, 40.0, 40.0, 77.25]) if i % 7 == 0 else round(rnd.uniform(0, 100), 3)
            settles, curve = None, 0.0
            if state in ("rising", "past"):
                left = rnd.uniform(60, 3 * 3600) * (1 if state == "rising" else -1)
                settles = now + timedelta(seconds=left)
                curve = rnd.uniform(0.2, 1.0) * min(key, 25.0) / (3 * 3600.0) ** 2
            rows.append(
                {
                    **row,
                    "thread_key": f"t{i}",
                    "status": rnd.choice(["open", "open", "open", "pending", "resolved"]),
                    "team_id": rnd.choice([teams["Support"], teams["Billing"], None]),
                    "assignee_id": rnd.choice([None, None, *agent_ids]),
                    "rank_key": key,
                    "rank_curve": curve,
                    "rank_settles_at": settles,
                    # ties on the last message too, so the id decides
                    "last_message_at": now - timedelta(minutes=rnd.choice([5, 5, rnd.randint(1, 900)])),
                }
            )
        uow.session.execute(insert(table), rows)
    return teams


def _expected(inbox: Any, now: Any, keep: Any, offset: int, limit: int) -> list[int]:
    with inbox.read() as s:
        convs = [c for c in s.scalars(select(Conversation)) if keep(c)]
        ranked = sorted(convs, key=lambda c: (effective(c, now), c.last_message_at, c.id), reverse=True)
        return [c.id for c in ranked[offset : offset + limit]]


def test_list_order_equals_ranking_from_scratch_in_every_view(client, world, post_webhook, inbox, clock):
    supervisor = world.agent("supervisor", teams=("Support", "Billing"))
    agent = world.agent("agent", teams=("Support",))
    teams = _seed(inbox, world, post_webhook, clock, [supervisor["id"], agent["id"]])
    support, billing = teams["Support"], teams["Billing"]

    def mine(c: Conversation) -> bool:
        return c.team_id == support or c.assignee_id == agent["id"]

    views = [
        (supervisor, "", lambda c: c.status == "open"),
        (supervisor, f"?team={billing}&limit=25", lambda c: c.status == "open" and c.team_id == billing),
        (supervisor, "?status=all&limit=60&offset=30", lambda c: True),
        (supervisor, "?status=pending", lambda c: c.status == "pending"),
        (supervisor, "?assignee=none", lambda c: c.status == "open" and c.assignee_id is None),
        (agent, "", lambda c: c.status == "open" and mine(c)),
        (agent, "?assignee=me&limit=10", lambda c: c.status == "open" and c.assignee_id == agent["id"]),
        (agent, f"?team={support}&offset=7&limit=20", lambda c: c.status == "open" and c.team_id == support),
        (agent, "?status=all&limit=200", mine),
    ]
    checked = 0
    for hours in (0, 0.5, 1, 2, 4):  # rising conversations overtake settled ones, then settle
        now = clock.advance(hours=hours)
        for who, query, keep in views:
            args = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
            limit, offset = int(args.get("limit", 50)), int(args.get("offset", 0))
            want = _expected(inbox, now, keep, offset, limit)
            assert _ids(client, who["auth"], query) == want, (hours, query)
            checked += len(want)
    assert checked > 1000  # the views are not empty


def test_old_answered_email_ranks_below_a_fresh_angry_vip_mention(client, world, post_webhook, inbox, clock):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    old = (clock() - timedelta(days=300)).isoformat()
    post_webhook(
        channel_id,
        secret,
        message(
            "mail-1",
            "Hello, could you resend my invoice for March?",
            author="mailer",
            created_at=old,
            public=False,
        ),
    )
    [conv] = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    waiting = {c["name"]: c for c in conv["priority_components"]}["waiting"]
    assert waiting["value"] == 1.0 and "full weight at 180 min" in waiting["detail"]
    assert conv["priority"] <= 100
    client.post(f"/api/conversations/{conv['id']}/replies", json={"text": "Sent"}, headers=agent["auth"])
    clock.advance(minutes=5)
    post_webhook(channel_id, secret, message("vip0", "hi", author="vip"))
    with inbox.unit_of_work() as uow:
        uow.session.execute(update(Customer).where(Customer.name == "User vip").values(vip=True, clv=5000))
    post_webhook(
        channel_id,
        secret,
        message(
            "vip1", "This is unacceptable. Still waiting for my refund!!!", author="vip", followers=20_000
        ),
    )
    clock.advance(days=30)  # and a month later, neither has moved past the other
    ranked = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    subjects = [c["subject"][:11] for c in ranked]
    assert subjects[0] == "This is una" and subjects[-1] == "Hello, coul", subjects
    assert all(0 <= c["priority"] <= 100 for c in ranked)


def _plan(inbox: Any, backend: str, statement: str, parameters: Any) -> str:
    with inbox.engine.begin() as conn:
        if backend == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return " | ".join(row[-1] for row in rows)
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


@pytest.mark.parametrize(
    ("role", "query", "indexes"),
    [
        ("agent", "?team={team}", ("ix_conversations_team_rank",)),
        # their teams and what is assigned to them, one scan each
        ("agent", "", ("ix_conversations_team_rank", "ix_conversations_assignee_status")),
        ("agent", "?assignee=me", ("ix_conversations_assignee_status",)),
        ("supervisor", "", ("ix_conversations_status_rank",)),
    ],
)
def test_ranked_list_reads_the_rank_index_without_sorting(
    client, world, post_webhook, inbox, clock, backend, role, query, indexes
):
    who = world.agent(role, teams=("Support",))
    team = world.team_id("Support")
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("live", "Refund me now", author="live"))
    table = Conversation.__table__
    with inbox.unit_of_work() as uow:  # a year of history: thousands settled, many teams and agents
        row = dict(uow.session.execute(select(table)).mappings().one())
        row.pop("id")
        history = [
            {
                **row,
                "thread_key": f"old-{i}",
                "status": "resolved" if i % 3 else "open",
                "team_id": team if i % 20 == 0 else None,
                "assignee_id": who["id"] if i % 25 == 0 else None,
                "rank_key": float(i % 97),
                "rank_curve": 0.0,
                "rank_settles_at": None,
            }
            for i in range(4000)
        ]
        uow.session.execute(insert(table), history)
    if backend == "postgresql":  # its planner weighs indexes by statistics: every table the list
        # reads, or an earlier test's leftover statistics (110 customers, say) pick another join
        with inbox.engine.begin() as conn:
            conn.execute(text("ANALYZE conversations, customers, conversation_labels"))
    url = query.format(team=team)
    seen = selects_run_by(inbox, lambda: _ids(client, who["auth"], url))
    ranked = [(st, pa) for st, pa in seen if "ORDER BY conversations.rank_key DESC" in st]
    rising = [(st, pa) for st, pa in seen if "conversations.rank_settles_at >" in st]
    assert ranked and len(rising) == 1
    used = set()
    for statement, parameters in ranked:  # each an index range scan in rank order: no sort
        plan = _plan(inbox, backend, statement, parameters)
        used.update(name for name in indexes if name in plan)
        assert any(name in plan for name in indexes), plan
        if backend == "sqlite":
            assert "SCAN conversations" not in plan, plan
            # the one B-tree: the floor's count(DISTINCT id) of the settled rows read (a page
            # per part at most), never a sort of conversations
            assert plan.count("TEMP B-TREE") == plan.count("USE TEMP B-TREE FOR count(DISTINCT)") <= 1, plan
        else:
            assert "Sort" not in plan and "Seq Scan on conversations" not in plan, plan
    assert used == set(indexes)
    # the rising ones above the N-th settled key: by their settle time or by that key, a range
    plan = _plan(inbox, backend, *rising[0])
    if backend == "sqlite":
        assert "SEARCH conversations USING INDEX ix_conversations_" in plan, plan
        assert "SCAN conversations" not in plan, plan
    else:
        assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan
        assert "Seq Scan on conversations" not in plan, plan


def test_list_rows_are_the_conversations_json_field_for_field(client, world, post_webhook, inbox, clock):
    """The list is serialized from Core rows, the detail from ORM objects: every list entry holds
    exactly the detail's conversation fields (labels, customer name, VIP flag and stage, times,
    components), in every sort, so the faster path changed no byte of the JSON."""
    agent = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    for i, body in enumerate(["Where is my refund?", "I love it", "Broken again, furious", "ok"]):
        post_webhook(channel_id, secret, message(f"j{i}", body, author=f"a{i}", followers=10**i))
    listed = client.get("/api/conversations?limit=10", headers=agent["auth"]).get_json()["conversations"]
    first = listed[0]["id"]
    patch = {"labels": ["billing", "angry"], "status": "pending"}
    assert client.patch(f"/api/conversations/{first}", json=patch, headers=agent["auth"]).status_code == 200
    with inbox.unit_of_work() as uow:
        uow.session.execute(update(Customer).values(vip=True, lifecycle_stage="loyalty"))
    clock.advance(minutes=20)
    checked = 0
    for query in (
        "?status=all",
        "?status=all&sort=newest",
        "?status=all&sort=oldest_waiting",
        "?status=pending",
    ):
        rows = client.get("/api/conversations" + query, headers=agent["auth"]).get_json()["conversations"]
        for row in rows:
            detail = client.get(f"/api/conversations/{row['id']}", headers=agent["auth"]).get_json()
            for key in (
                "messages",
                "more_before",
                "rule_runs",
                "reply_blocked",
                "reply_window",
            ):  # detail-only
                detail.pop(key)
            assert list(row) == list(detail) and row == detail, query
            checked += 1
    assert checked == 13
    pending = client.get("/api/conversations?status=pending", headers=agent["auth"]).get_json()[
        "conversations"
    ]
    assert pending[0]["labels"] == ["angry", "billing"] and pending[0]["customer_vip"] is True
