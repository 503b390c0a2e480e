"""A conversation is read a page at a time, newest first, by keyset (created_at, id): every
message exactly once and in order, bad cursors refused, and the first page of a long
conversation read from the index in order, a bounded number of rows, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from inbox.conversations import service as conversations
from inbox.store.models import Conversation, Message, RuleRun
from tests.service.conftest import message, selects_run_by

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _get(client, agent, path, **params):
    res = client.get(path, query_string=params, headers=agent["auth"])
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _conversation(client, agent, world, post_webhook, created: list[datetime]) -> int:
    """One conversation of one author with a message at each of `created` (posted in that order)."""
    channel_id, secret = world.webhook_channel()
    for i, at in enumerate(created):
        body = message(f"m{i}", f"message number {i}", author="long", created_at=at.isoformat(), thread="t1")
        assert post_webhook(channel_id, secret, body).status_code in (200, 201, 202)
    convs = _get(client, agent, "/api/conversations", status="all")["conversations"]
    convs = [c for c in convs if c["channel_account_id"] == channel_id]
    assert len(convs) == 1
    return convs[0]["id"]


def _all_pages(client, agent, conv_id: int, limit: int) -> list[list[dict]]:
    first = _get(client, agent, f"/api/conversations/{conv_id}", limit=limit)
    pages, more = [first["messages"]], first["more_before"]
    while more is not None:
        page = _get(client, agent, f"/api/conversations/{conv_id}/messages", before=more, limit=limit)
        assert page["conversation_id"] == conv_id
        pages.append(page["messages"])
        more = page["more_before"]
        assert len(pages) < 50
    return pages


def test_pages_walk_back_through_every_message_once_in_order(client, world, post_webhook):
    agent = world.agent()
    # arrival order differs from time order (a backfill), and two messages share a timestamp
    times = [BASE + timedelta(minutes=m) for m in (5, 1, 3, 3, 9, 0, 7)]
    conv_id = _conversation(client, agent, world, post_webhook, times)
    pages = _all_pages(client, agent, conv_id, limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    # each page reads oldest first; pages go back in time; nothing is missed or repeated
    flat = [m for page in reversed(pages) for m in page]
    keys = [(m["created_at"], m["id"]) for m in flat]
    assert keys == sorted(keys) and len(set(keys)) == len(times)
    assert [m["text"] for m in flat] == [
        f"message number {i}" for i in sorted(range(len(times)), key=lambda i: (times[i], i))
    ]
    # the first page is the newest three
    assert [m["text"][-1] for m in pages[0]] == ["0", "6", "4"]


def test_default_page_and_exact_fit(client, world, post_webhook):
    agent = world.agent()
    conv_id = _conversation(
        client, agent, world, post_webhook, [BASE + timedelta(seconds=i) for i in range(4)]
    )
    whole = _get(client, agent, f"/api/conversations/{conv_id}")
    assert len(whole["messages"]) == 4 and whole["more_before"] is None
    exact = _get(client, agent, f"/api/conversations/{conv_id}", limit=4)
    assert exact["more_before"] is None
    short = _get(client, agent, f"/api/conversations/{conv_id}", limit=3)
    assert short["more_before"] == short["messages"][0]["id"]


def test_bad_cursor_and_limit_are_400_and_other_teams_403(client, world, post_webhook):
    agent = world.agent()
    conv_id = _conversation(client, agent, world, post_webhook, [BASE, BASE + timedelta(seconds=1)])
    other_id = _conversation(client, agent, world, post_webhook, [BASE])
    (stranger,) = _get(client, agent, f"/api/conversations/{other_id}")["messages"]
    h = agent["auth"]
    for path, params, field in (
        (f"/api/conversations/{conv_id}", {"limit": "0"}, "limit"),
        (f"/api/conversations/{conv_id}", {"limit": "201"}, "limit"),
        (f"/api/conversations/{conv_id}", {"limit": "ten"}, "limit"),
        (f"/api/conversations/{conv_id}/messages", {}, "before"),
        (f"/api/conversations/{conv_id}/messages", {"before": "x"}, "before"),
    ):
        res = client.get(path, query_string=params, headers=h)
        assert res.status_code == 400, (path, params, res.get_json())
        assert res.get_json()["error"]["field"] == field
    for before in (stranger["id"], 999999):  # well formed, but no message of this conversation
        res = client.get(f"/api/conversations/{conv_id}/messages", query_string={"before": before}, headers=h)
        assert res.status_code == 404 and res.get_json()["error"]["field"] == "before", res.get_json()
    billing = world.agent(teams=("Billing",))
    res = client.get(
        f"/api/conversations/{conv_id}/messages", query_string={"before": "1"}, headers=billing["auth"]
    )
    assert res.status_code == 403
    assert client.get(f"/api/conversations/{conv_id}/messages?before=1").status_code == 401


def test_paging_is_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    first = {p["name"] for p in paths["/api/conversations/{conversation_id}"]["get"]["parameters"]}
    older = {p["name"] for p in paths["/api/conversations/{conversation_id}/messages"]["get"]["parameters"]}
    assert first == {"conversation_id", "limit"} and older == {"conversation_id", "before", "limit"}


def _long_conversation(inbox, client, world, post_webhook, agent, n: int) -> int:
    conv_id = _conversation(client, agent, world, post_webhook, [BASE])
    with inbox.engine.begin() as conn:
        conv = conn.execute(select(Conversation).where(Conversation.id == conv_id)).one()
        conn.execute(
            insert(Message),
            [
                {
                    "conversation_id": conv_id,
                    "channel_account_id": conv.channel_account_id,
                    "customer_id": conv.customer_id,
                    "direction": "in",
                    "external_id": f"bulk{i}",
                    "text": f"bulk message {i}",
                    "created_at": BASE + timedelta(seconds=i // 2),  # pairs share a time: ties by id
                    "received_at": BASE,
                    "sentiment_reasons": [],
                }
                for i in range(n)
            ],
        )
        if inbox.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE messages")
    return conv_id


def _messages_statement(inbox, run) -> tuple[str, object]:
    (stmt,) = [
        (sql, params)
        for sql, params in selects_run_by(inbox, run)
        if "FROM messages" in sql and "LIMIT" in sql.upper() and "ORDER BY messages.created_at DESC" in sql
    ]
    return stmt


def _plan_nodes(node: dict) -> list[dict]:
    return [node, *(n for child in node.get("Plans", []) for n in _plan_nodes(child))]


def test_a_page_of_a_long_conversation_reads_the_index_in_order(client, world, post_webhook, inbox):
    agent = world.agent("admin")
    limit = 50
    conv_id = _long_conversation(inbox, client, world, post_webhook, agent, 3000)
    first = conversations.get_conversation(inbox, agent["id"], conv_id, limit)
    assert [m["text"] for m in first["messages"]][-1] == "bulk message 2999"
    pages = {
        "first": lambda: conversations.get_conversation(inbox, agent["id"], conv_id, limit),
        "older": lambda: conversations.older_messages(
            inbox, agent["id"], conv_id, first["more_before"], limit
        ),
    }
    for name, run in pages.items():
        statement, params = _messages_statement(inbox, run)
        with inbox.engine.connect() as conn:
            if inbox.dialect == "sqlite":
                plan = " | ".join(
                    r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
                assert "SEARCH messages USING INDEX ix_messages_conversation_created" in plan, (name, plan)
                assert "TEMP B-TREE" not in plan, (name, plan)  # no sort: rows come in order
            else:
                (raw,) = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params).one()
                nodes = _plan_nodes((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"])
                reads = [n for n in nodes if n.get("Relation Name") == "messages"]
                assert [n.get("Index Name") for n in reads] == ["ix_messages_conversation_created"], (
                    name,
                    nodes,
                )
                assert reads[0]["Actual Rows"] <= limit + 1, (name, reads)
                assert not [n for n in nodes if "Sort" in n["Node Type"]], (name, nodes)


def test_the_newest_rule_runs_are_read_from_the_index_in_order(client, world, post_webhook, inbox):
    """A busy conversation's view shows its newest 50 rule runs: read from
    (conversation_id, id) newest first, never every run sorted (PostgreSQL did, 0012_hotreads)."""
    agent = world.agent("admin")
    conv_id = _conversation(client, agent, world, post_webhook, [BASE])
    with inbox.engine.begin() as conn:
        row = dict(
            conn.execute(select(Conversation.__table__).where(Conversation.id == conv_id)).one()._mapping
        )
        del row["id"]
        others = [
            conn.execute(
                insert(Conversation).values({**row, "thread_key": f"other-{i}"})
            ).inserted_primary_key[0]
            for i in range(79)
        ]
        conn.execute(  # 1,000 runs of the conversation shown among 20,000 of 79 others
            insert(RuleRun),
            [
                {
                    "conversation_id": others[i % 79] if i % 21 else conv_id,
                    "rule_name": f"r{i}",
                    "trigger": "t",
                    "at": BASE,
                }
                for i in range(21_000)
            ],
        )
        if inbox.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE rule_runs")
    shown = conversations.get_conversation(inbox, agent["id"], conv_id)["rule_runs"]
    assert [r["rule_name"] for r in shown] == [f"r{i}" for i in range(21 * 950, 21_000, 21)]
    ((statement, params),) = [
        (sql, p)
        for sql, p in selects_run_by(
            inbox, lambda: conversations.get_conversation(inbox, agent["id"], conv_id)
        )
        if "FROM rule_runs" in sql
    ]
    with inbox.engine.connect() as conn:
        if inbox.dialect == "sqlite":
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
            assert "USING INDEX ix_rule_runs_conversation_id" in plan and "TEMP B-TREE" not in plan, plan
        else:
            (raw,) = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params).one()
            nodes = _plan_nodes((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"])
            reads = [n for n in nodes if n.get("Relation Name") == "rule_runs"]
            assert [n.get("Index Name") for n in reads] == ["ix_rule_runs_conversation_id"], nodes
            assert reads[0]["Actual Rows"] <= 50 and not [n for n in nodes if "Sort" in n["Node Type"]], nodes


def test_a_page_read_as_rows_is_what_the_orm_objects_gave(client, world, post_webhook, inbox):
    """The page is built from Core rows (issue 22); every field of every message, its author and
    its delivery state equals what serializing the ORM objects gives."""
    from inbox.attachments.records import attachments_of
    from inbox.conversations.replies import delivery_dict
    from inbox.conversations.serialize import message_dict
    from inbox.store.models import Identity, Outbox

    agent = world.agent()
    conv_id = _conversation(client, agent, world, post_webhook, [BASE, BASE + timedelta(minutes=1)])
    sent = client.post(
        f"/api/conversations/{conv_id}/replies", json={"text": "On its way"}, headers=agent["auth"]
    )
    assert sent.status_code in (200, 201, 202), sent.get_json()
    client.post(f"/api/conversations/{conv_id}/notes", json={"text": "@nobody check"}, headers=agent["auth"])
    page = conversations.get_conversation(inbox, agent["id"], conv_id)["messages"]
    with inbox.read() as s:
        rows = s.execute(
            select(Message, Identity, Outbox)
            .outerjoin(Identity, Identity.id == Message.author_identity_id)
            .outerjoin(Outbox, Outbox.message_id == Message.id)
            .where(Message.conversation_id == conv_id)
            .order_by(Message.created_at, Message.id)
        ).all()
        files = attachments_of(s, [m.id for m, _, _ in rows])
        want = [message_dict(m, i, delivery_dict(b), files.get(m.id)) for m, i, b in rows]
    assert len(page) >= 3
    assert any(m["delivery"] for m in page) and any(m["author"] for m in page)
    assert page == want
