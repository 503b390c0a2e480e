"""Top mentions (the most negative and most positive messages of a period) read their label's
partial index in the query's whole order (migration 0013_pgdash): over a long period the plan
names `ix_messages_top_<label>` and sorts nothing, on both databases, with and without a channel
filter; and, over a short period too, the five returned are those a sort of every message
gives, ties on the score (the common case: scores come in few values) broken newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inbox.insights import reporting
from inbox.insights.reporting_filters import Filters
from inbox.store.models import Conversation, Message
from tests.service.conftest import selects_run_by
from tests.service.test_rollups import T0, _channels, _run

# the same few texts again and again: the scores tie, as they do on a year of real traffic
PROGRAM = [
    ("ingest", kind, [(i % 4, i % 7, 60 * i) for i in range(start, start + 6)])
    for start in range(0, 30, 6)
    for kind in ("webhook", "mastodon")
]


def _want(inbox, f: Filters, label: str) -> list[int]:
    with inbox.read() as s:
        rows = s.execute(
            select(Message.id, Message.sentiment, Message.created_at)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.direction == "in",
                Message.sentiment_label == label,
                Message.sentiment.is_not(None),
                Message.created_at >= f.start,
                Message.created_at < f.end,
                *([Conversation.channel == f.channel] if f.channel else []),
            )
        ).all()
    sign = 1 if label == "negative" else -1
    rows.sort(key=lambda r: (sign * r.sentiment, -r.created_at.timestamp(), -r.id))
    return [r.id for r in rows[: reporting.TOP]]


@pytest.mark.parametrize("days", [2, 365])
@pytest.mark.parametrize("channel", [None, "webhook"])
def test_top_mentions_read_their_label_index_in_order(database_url, inbox, world, backend, days, channel):
    sup = world.agent("supervisor", teams=())
    _run(inbox, sup["id"], _channels(inbox), PROGRAM, [0])
    end = T0 + timedelta(days=2)
    f = Filters(end - timedelta(days=days), end, channel)
    for label in ("negative", "positive"):
        want = _want(inbox, f, label)
        assert len(want) == reporting.TOP, label  # enough of each label to have a top five
        got: list = []
        with inbox.read() as s:
            seen = selects_run_by(
                inbox, lambda s=s, g=got, k=label: g.extend(reporting.top_messages(s, f, k))
            )
        assert [m["id"] for m in got] == want, label
        if days <= 7:  # a short period reads its messages by time (a day holds few), by design
            continue
        (sql, parameters) = next((q, p) for q, p in seen if "FROM messages" in q and " LIMIT " in q)
        with inbox.engine.connect() as conn:
            if backend == "sqlite":
                plan = " | ".join(
                    r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)
                )
                assert f"ix_messages_top_{label}" in plan and "TEMP B-TREE" not in plan, plan
            else:
                # the tables are tiny here and shared with the tests before, whose rows the
                # statistics may still describe: a few rows are cheaper sorted than read in order.
                # With sorts and sequential scans priced out, the plan still sorts only if no index
                # holds the query's whole order, which is what this test is about.
                conn.exec_driver_sql("ANALYZE messages")
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_sort = off")
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, parameters))
                assert f"ix_messages_top_{label}" in plan and "Sort" not in plan, plan
