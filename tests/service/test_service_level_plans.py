"""The dashboard's service-level figures (counts, means, SLA outcomes and medians of first
response and resolution) come from the service rollups, on both databases, with and without
the channel and language filters: they are what counting the conversations one by one in
Python gives (a long period's medians within the histogram's stated error), and a long period
reads no conversation row of the period (issue 22)."""

from __future__ import annotations

import json
import re
import statistics
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inbox.insights import reporting_service, rollups
from inbox.insights.dashboard_rollups import durations
from inbox.insights.reporting_filters import Filters
from inbox.store.models import Conversation
from tests.service.conftest import message, selects_run_by


@pytest.fixture
def answered(world, post_webhook, inbox, clock):
    """Conversations in every SLA state: answered in time, late, unanswered past or before due,
    without an SLA; some resolved."""
    channel_id, secret = world.webhook_channel()
    for i in range(12):
        post_webhook(channel_id, secret, message(f"sl{i}", "Where is my refund?", author=f"sl{i}"))
        clock.advance(minutes=7)
    now = clock()
    with inbox.unit_of_work() as uow:
        for i, conv in enumerate(uow.session.scalars(select(Conversation).order_by(Conversation.id))):
            due = None if i % 5 == 4 else conv.created_at + timedelta(minutes=30)
            done = None if i % 3 == 2 else conv.created_at + timedelta(minutes=[5, 50, 12, 31][i % 4])
            resolved = conv.created_at + timedelta(hours=i) if i % 2 else None
            uow.session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values(
                    first_response_due_at=due,
                    first_response_at=done,
                    resolved_at=resolved,
                    resolution_due_at=None if due is None else conv.created_at + timedelta(hours=5),
                )
            )
    return now


def _recount(inbox, f: Filters, now) -> dict:
    out = {}
    with inbox.read() as s:
        convs = [
            c
            for c in s.scalars(select(Conversation))
            if f.start <= c.created_at < f.end
            and f.channel in (None, c.channel)
            and f.language in (None, c.language)
        ]
    for name, done_attr, due_attr in reporting_service._KINDS:
        done = [getattr(c, done_attr) for c in convs]
        secs = [(d - c.created_at).total_seconds() for c, d in zip(convs, done, strict=True) if d]
        outcomes = [
            reporting_service._outcome(getattr(c, done_attr), getattr(c, due_attr), now) for c in convs
        ]
        out[name] = {
            "count": len(secs),
            "mean_seconds": round(statistics.fmean(secs), 1) if secs else None,
            "median_seconds": round(statistics.median(secs), 1) if secs else None,
            **{k: outcomes.count(v) for k, v in (("met", "met"), ("breached", "breached"),
                                                    ("pending", "pending"), ("no_sla", "no_sla"))},
        }  # fmt: skip
    return out


def _same(got: dict, want: dict, approximate: bool) -> None:
    for name in want:
        exp = dict(want[name])
        median = exp.pop("median_seconds")
        assert {k: got[name][k] for k in exp if k != "mean_seconds"} == {
            k: v for k, v in exp.items() if k != "mean_seconds"
        }, name
        if exp["mean_seconds"] is None:
            assert got[name]["mean_seconds"] is None
        else:  # sums of the same floats in another order, rounded to 0.1
            assert abs(got[name]["mean_seconds"] - exp["mean_seconds"]) <= 0.1 + 1e-9, name
        assert got[name]["median_approximate"] is (approximate and median is not None), name
        if not approximate or median is None:
            assert got[name]["median_seconds"] == median, name
        else:  # within the histogram's stated bound
            assert abs(got[name]["median_seconds"] - median) <= durations.ERROR * (median + 1) + 0.1, name


@pytest.mark.parametrize("filters", [{}, {"channel": "webhook", "language": "en"}])
@pytest.mark.parametrize("days", [30, 400])
def test_service_levels_from_rollups_equal_a_recount(inbox, answered, filters, days):
    """Folded or not, over a month (exact medians) or more than a year (estimated medians, and
    said so), the figures are what counting the conversations one by one gives."""
    now = answered
    f = Filters(now - timedelta(days=days), now + timedelta(minutes=1), **filters)
    for fold in (False, True):
        if fold:
            rollups.fold(inbox)
        with inbox.read() as s:
            got = reporting_service.service_levels(s, f, now)
        _same(got, _recount(inbox, f, now), approximate=days > 31)
        assert (
            got["first_response"]["breached"]
            and got["first_response"]["met"]
            and got["first_response"]["pending"]
        )


def test_a_long_period_reads_rollups_and_only_unanswered_conversations(inbox, answered):
    """Over a year aligned to midnight (no ragged day to read), the service figures read
    `rollup_service` and its pending rows; the one statement on `conversations` per kind counts
    the unanswered ones due after now through its partial index, never the period's rows."""
    now = answered
    rollups.fold(inbox)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    f = Filters(end - timedelta(days=365), end)

    def run() -> None:
        with inbox.read() as s:
            reporting_service.service_levels(s, f, now)

    statements = selects_run_by(inbox, run)
    assert any("FROM rollup_service " in st[0] or "FROM rollup_service\n" in st[0] for st in statements)
    on_conversations = [st for st in statements if re.search(r"\bFROM conversations p\b", st[0])]
    assert len(on_conversations) == 2, [st[0] for st in on_conversations]
    with inbox.engine.connect() as conn:
        if inbox.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in on_conversations:
            index = "first_response_open" if "first_response_at IS NULL" in statement else "resolution_open"
            if inbox.dialect == "sqlite":
                plan = " | ".join(
                    r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
                assert f"USING INDEX ix_conversations_{index} (" in plan, plan
            else:
                (raw,) = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).one()
                plan = json.dumps(raw)
                assert "Seq Scan" not in plan, plan
                assert f"ix_conversations_{index}" in plan, plan
                assert re.search(r'"Index Cond": "[^"]*_due_at >= ', plan), plan
