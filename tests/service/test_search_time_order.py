"""Search ranks conversations by the time of their newest matching message, not by when Murmur
stored it: a backfilled old message (stored last, written long ago) sits below today's, on both
databases, on both of SQLite's ways to walk the matches (all hits of a rare query sorted by
time; the time index walked for a common one), page by page; and the common walk reads the time
index in order, never every message sorted."""

from __future__ import annotations

import json
import re

import pytest

from inbox.search import service as search_service
from tests.service.conftest import message, selects_run_by

# (external id, text, minute of created_at): stored in this order, written in another
POSTS = [
    ("m0", "refund please 退款 ขอบคุณ", 30),
    ("m1", "refund now ok", 50),
    ("m2", "ขอบคุณ refund 退款", 10),
    ("m3", "old backfilled refund ok 退款", 1),  # stored late, written first
    ("m4", "refund 退款 again", 40),
    ("m5", "ขอบคุณครับ ok", 20),
    ("m6", "another refund ขอบคุณ", 5),
]
# a second message of m4's conversation, stored last but written before its first: the
# conversation is still shown at its newest match by time (minute 40)
LATE_REPLY = ("m4b", "refund 退款 earlier", 2)


@pytest.fixture
def agent(world):
    return world.agent()


@pytest.fixture
def posted(agent, world, post_webhook):
    channel_id, secret = world.webhook_channel("Support")
    for ext, text, minute in POSTS:
        body = message(ext, text, author=ext, created_at=f"2026-03-01T12:{minute:02d}:00+00:00")
        assert post_webhook(channel_id, secret, body).status_code == 200
    ext, text, minute = LATE_REPLY
    body = message(ext, text, author="m4", created_at=f"2026-03-01T12:{minute:02d}:00+00:00", thread="m4")
    assert post_webhook(channel_id, secret, body).status_code == 200


def _expected(q: str) -> list[str]:
    """Authors (one conversation each) by their newest matching message's minute, newest first."""
    newest: dict[str, int] = {}
    for ext, text, minute in [*POSTS, ("m4", *LATE_REPLY[1:])]:
        if all(t.lower() in text.lower() for t in q.split()):
            newest[ext] = max(newest.get(ext, -1), minute)
    return sorted(newest, key=lambda a: -newest[a])


def _walk(client, agent, q: str, limit: int) -> list[str]:
    """Every page of `q`, following more_before; the conversations' authors in order."""
    out, before = [], None
    while True:
        params = {"q": q, "limit": limit} | ({"before": before} if before else {})
        res = client.get("/api/search", query_string=params, headers=agent["auth"])
        assert res.status_code == 200, res.get_json()
        body = res.get_json()
        out += [hit["conversation"]["customer_name"].removeprefix("User ") for hit in body["conversations"]]
        before = body["more_before"]
        if before is None:
            return out


@pytest.mark.parametrize("rare", [None, 1])
@pytest.mark.parametrize("q", ["refund", "退款", "ขอบคุณ", "ok", "refund 退", "ok refund"])
def test_conversations_come_newest_match_first_by_time(client, agent, posted, monkeypatch, q, rare):
    if rare is not None:  # 1: every query takes the common walk
        monkeypatch.setattr(search_service, "rare_limit", lambda s: rare)
    want = _expected(q)
    assert want, q
    for limit in (1, 2, 50):
        assert _walk(client, agent, q, limit) == want, (q, limit)


@pytest.mark.parametrize("q", ["refund", "退款"])  # a long term; a short one (gram probe first on PostgreSQL)
def test_common_query_walks_the_time_index_in_order(client, agent, posted, inbox, monkeypatch, q):
    monkeypatch.setattr(search_service, "rare_limit", lambda s: 1)
    statements = selects_run_by(inbox, lambda: search_service.search(inbox, agent["id"], q, 2))
    walks = [
        (st, p)
        for st, p in statements
        if "ORDER BY messages.created_at DESC" in st and "LIKE" in st and "attachments" not in st
    ]
    assert walks
    if (
        q == "退款"
    ):  # found common by the gram probe: the walk checks by LIKE alone (no GIN read of every hit)
        assert all("murmur_grams" not in st and "ANY" not in st for st, _ in walks), walks
        if inbox.dialect == "postgresql":
            assert any("murmur_grams" in st and "LIMIT" in st for st, _ in statements), statements
    with inbox.engine.connect() as conn:
        for statement, params in walks:
            if inbox.dialect == "sqlite":
                plan = " | ".join(
                    r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                )
                assert "ix_messages_created_at" in plan and "TEMP B-TREE" not in plan, plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")
                (raw,) = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).one()
                plan = json.dumps(raw)
                assert not re.search(r'"Node Type": "Seq Scan", [^}]*"Relation Name": "messages"', plan), plan
