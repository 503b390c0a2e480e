"""The report indexes of `conversations` hold only what their reads can reach (0014_ingestidx).

`ix_conversations_first_response` and `ix_conversations_resolved` are partial (time IS NOT
NULL): a new conversation, which every webhook delivery in a new thread makes, writes neither.
The reports and the survey job bound that time by a range, so they still read their period from
these indexes, on both databases; a conversation enters the first when answered, the second
when resolved, and leaves the second when a new message reopens it."""

from __future__ import annotations

from sqlalchemy import text

from inbox.insights import agent_reports, surveys_service
from inbox.insights.report_periods import period
from tests.service.conftest import message, selects_run_by

_PARTIAL = {
    "ix_conversations_first_response": "first_response_at IS NOT NULL",
    "ix_conversations_resolved": "resolved_at IS NOT NULL",
}


def _definitions(inbox, backend: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with inbox.engine.connect() as conn:
        if backend == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conversations'"
                )
            )
        else:
            rows = conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'conversations'")
            )
        return {name: " ".join(sql.split()) for name, sql in rows if sql}


def _entries(inbox, backend: str, index: str) -> int:  # type: ignore[no-untyped-def]
    """How many conversations the index holds, read from the index itself."""
    column = "first_response_at" if index.endswith("first_response") else "resolved_at"
    with inbox.engine.connect() as conn:
        if backend == "sqlite":
            sql = f"SELECT count(*) FROM conversations INDEXED BY {index} WHERE {column} IS NOT NULL"
            return conn.execute(text(sql)).scalar_one()
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("SET enable_bitmapscan = off"))
        sql = f"SELECT count(*) FROM conversations WHERE {column} IS NOT NULL"
        plan = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
        assert index in plan, plan
        return conn.execute(text(sql)).scalar_one()


def test_report_indexes_are_partial_on_their_time(inbox, backend):
    definitions = _definitions(inbox, backend)
    for index, where in _PARTIAL.items():
        assert where in definitions[index].replace("(", "").replace(")", ""), definitions[index]


def test_conversations_enter_the_report_indexes_when_answered_and_resolved(
    client, world, post_webhook, inbox, clock, backend
):
    sup = world.agent("supervisor")
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    for i in range(3):
        post_webhook(
            channel_id, secret, message(f"n{i}", "Where is my refund?", author=f"a{i}", thread=f"t{i}")
        )
    assert [_entries(inbox, backend, index) for index in _PARTIAL] == [0, 0]

    with inbox.engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT thread_key, id FROM conversations")).all())
    assert sorted(ids) == ["t0", "t1", "t2"]
    first, second = ids["t0"], ids["t1"]
    clock.advance(minutes=3)
    client.post(f"/api/conversations/{first}/replies", json={"text": "Looking"}, headers=agent["auth"])
    client.post(f"/api/conversations/{second}/replies", json={"text": "Looking"}, headers=agent["auth"])
    client.patch(f"/api/conversations/{first}", json={"status": "resolved"}, headers=agent["auth"])
    assert [_entries(inbox, backend, index) for index in _PARTIAL] == [2, 1]

    p = period(clock(), "last_30_days", "UTC")
    total = agent_reports.report(inbox, sup["id"], p)["total"]
    assert (total["first_response"]["count"], total["resolution"]["count"]) == (2, 1)
    # the survey job finds the resolved one through the index
    statements = selects_run_by(inbox, lambda: surveys_service.send_surveys(inbox))
    with inbox.engine.connect() as conn:
        if backend == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # tiny tables: show the index that serves
        plans = []
        for statement, parameters in statements:
            if "resolved_at >=" in statement:
                prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
                rows = conn.exec_driver_sql(prefix + statement, parameters)
                plans.append(" | ".join(str(r[-1]) for r in rows))
    assert plans and all("ix_conversations_resolved" in plan for plan in plans), plans

    # a new message reopens the resolved conversation: it leaves the resolution index
    post_webhook(channel_id, secret, message("n0-again", "Still no refund", author="a0", thread="t0"))
    assert client.get(f"/api/conversations/{first}", headers=agent["auth"]).get_json()["status"] == "open"
    assert [_entries(inbox, backend, index) for index in _PARTIAL] == [2, 0]
    total = agent_reports.report(inbox, sup["id"], p)["total"]
    assert (total["first_response"]["count"], total["resolution"]["count"]) == (2, 0)
