"""The reports read a period out of the whole history through indexes, on both databases: the
time reports from `ix_conversations_first_response` and `ix_conversations_resolved` alone, survey answers from `ix_survey_responses_answered_at`;
no statement reads every conversation, message or survey answer ever stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from inbox.insights import agent_reports, report_drill
from inbox.insights.report_periods import period
from tests.service.conftest import message, selects_run_by

TABLES = ("conversations", "messages", "survey_responses")
PERIOD_COLUMNS = ("first_response_at", "resolved_at", "answered_at")


def _bounded(plan: str, backend: str, col: str) -> bool:
    if backend == "sqlite":
        return f"{col}>?" in plan
    return re.search(rf"Index Cond: \([^|]*\b{col} >=", plan) is not None


def _plan(conn, backend: str, statement: str, parameters) -> str:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return " | ".join(str(r[-1]) for r in rows)
    return " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


def _full_scans(plan: str, backend: str) -> list[str]:
    if backend == "sqlite":
        # "SCAN t" reads the table; "SCAN t USING ... INDEX" reads a whole index, no better for a year
        return [t for t in TABLES if f"SCAN {t}" in plan]
    return [t for t in TABLES if f"Seq Scan on {t}" in plan]


def test_reports_read_their_period_through_indexes(client, world, post_webhook, inbox, clock, backend):
    sup = world.agent("supervisor")
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    for i in range(3):
        post_webhook(channel_id, secret, message(f"p{i}", "Where is my refund?", author=f"a{i}"))
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    clock.advance(minutes=3)
    for c in convs:
        client.post(f"/api/conversations/{c['id']}/replies", json={"text": "Looking"}, headers=agent["auth"])
        client.patch(f"/api/conversations/{c['id']}", json={"status": "resolved"}, headers=agent["auth"])
    p = period(clock(), "last_30_days", "Asia/Bangkok")
    work = [lambda: agent_reports.report(inbox, sup["id"], p)] + [
        lambda m=m: report_drill.conversations(inbox, sup["id"], p, m, f"agent:{agent['id']}")
        for m in report_drill.DRILLS
    ]
    statements = [st for run in work for st in selects_run_by(inbox, run)]
    assert agent_reports.report(inbox, sup["id"], p)["total"]["handled"]["count"] == 3
    scans, plans = [], []
    with inbox.engine.connect() as conn:
        if backend == "postgresql":
            # These tables hold a handful of rows, where a sequential scan is rightly cheapest; with
            # it priced out, the planner shows which index serves each period (none: a Seq Scan).
            conn.execute(text("SET enable_seqscan = off"))
        for statement, parameters in statements:
            plan = _plan(conn, backend, statement, parameters)
            plans.append(plan)
            if any(t in statement for t in TABLES) and _full_scans(plan, backend):
                scans.append((" ".join(statement.split())[:160], plan))
            # a period's bound must narrow the index read, not filter rows read from elsewhere
            for col in PERIOD_COLUMNS:
                if f".{col} >=" in statement and not _bounded(plan, backend, col):
                    scans.append((" ".join(statement.split())[:160], plan))
    assert scans == []
    joined = "\n".join(plans)
    for index in (
        "ix_conversations_first_response",
        "ix_conversations_resolved",
        "ix_survey_responses_answered_at",
    ):
        assert index in joined, index
    for index in ("ix_conversations_first_response", "ix_conversations_resolved"):
        if backend == "sqlite":
            assert f"COVERING INDEX {index}" in joined, index
        else:
            assert f"Index Only Scan using {index}" in joined, index


def test_period_bounds_are_utc_instants_of_local_midnights(clock):
    now = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)  # 2025-06-30 23:00 in New York (EDT, UTC-4)
    p = period(now, "today", "America/New_York")
    assert (p.first_day.isoformat(), p.start, p.end - p.start) == (
        "2025-06-30",
        datetime(2025, 6, 30, 4, tzinfo=UTC),
        timedelta(days=1),
    )
    # a period across the change to summer time is 23 hours shorter than its days say
    march = period(now, "custom", "Europe/Berlin", datetime(2025, 3, 30).date(), datetime(2025, 3, 30).date())
    assert march.end - march.start == timedelta(hours=23)
