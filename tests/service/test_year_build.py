"""The bulk builder of the one-year database stores what the ingest pipeline would have stored.

`make bench-scale` measures a year built in bulk (web.bench.scale_data) because ingesting a
million messages takes about an hour; its figures are only worth something if that year is the
one production would have. Here the same small year (the same plan: 2,000 messages, 200
conversations, four teams) is built both ways, on each database, and compared: every stored row
of the tables ingest writes, the ranked list of each team, search in three scripts, and the
rollups (equal to each other and to a recount of the messages).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from inbox.admin.agents import create_agent
from inbox.conversations import service as conversations
from inbox.search import service as search
from tests.service import test_author_service_rollups as rollups_0012
from tests.service.test_rollups import _recount, _same_volume, _stored
from web.bench.scale import _app
from web.bench.year import Shape, build

SHAPE = Shape(messages=2000, conversations=200, teams=4, agents=8, days=30)
# Rows the pipeline writes, in a stable order; columns the wall clock decides are left out.
TABLES = {
    "conversations": ("id", ()),
    "messages": ("id", ()),
    "customers": ("id", ()),
    "identities": ("id", ()),
    "conversation_labels": ("conversation_id, label", ()),
    "rule_runs": ("conversation_id, rule_id, id", ("id", "at")),
    "agents": ("id", ("created_at", "presence_changed_at", "password_hash")),
}


@contextlib.contextmanager
def _second_database(url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database beside the test's own: a file, or a PostgreSQL database of the same server."""
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'pipeline.db'}"
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{admin.url.database}_year"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(url)
    out = {}
    with engine.connect() as c:
        for table, (order, skip) in TABLES.items():
            out[table] = [
                {k: v for k, v in row.items() if k not in skip}
                for row in c.execute(text(f"SELECT * FROM {table} ORDER BY {order}")).mappings()
            ]
    engine.dispose()
    return out


def _reads(url: str, workdir: Path) -> dict[str, Any]:
    """What agents see: each team's ranked list, and search in English, Chinese and Thai."""
    inbox = _app(url, workdir).extensions["murmur.inbox"]
    try:
        boss = create_agent(
            inbox, "boss@year.test", "boss password long", "supervisor", "Boss", [], ["en"], 10
        )
        with inbox.read() as s:
            teams = list(s.scalars(text("SELECT id FROM teams ORDER BY id")))
        ranked = {
            team: [
                (c["id"], c["priority"], c["assignee_id"])
                for c in conversations.list_conversations(
                    inbox, boss, conversations.ListFilter(team=team, limit=50)
                )
            ]
            for team in teams
        }
        found = {q: search.search(inbox, boss, q, 20) for q in ("refund", "order", "退款", "ขอบคุณ")}
        volume, terms = _stored(inbox)
        want_volume, want_terms = _recount(inbox)
        _same_volume(volume, want_volume)  # the rollups hold what a recount finds
        assert terms == want_terms
        # ... and so do the author and service rollups (0012_rollups: same triggers, same fold)
        got_authors, got_service = rollups_0012.stored(inbox)
        want_authors, want_service = rollups_0012.recount(inbox)
        assert got_authors == want_authors
        rollups_0012.same_service(got_service, want_service)
        return {"ranked": ranked, "search": found, "volume": volume, "terms": terms}
    finally:
        inbox.engine.dispose()


@pytest.mark.timeout(900)  # two builds of a small year: minutes on a loaded 2-core machine
def test_bulk_year_equals_the_same_year_through_the_pipeline(database_url, tmp_path):
    now = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)  # every rank settled
    with _second_database(database_url, tmp_path) as pipeline_url:
        build(database_url, SHAPE, now=now)
        build(pipeline_url, SHAPE, through_pipeline=True, now=now)
        bulk, piped = _rows(database_url), _rows(pipeline_url)
        assert len(bulk["messages"]) == SHAPE.messages
        assert len(bulk["conversations"]) == SHAPE.conversations
        assert {m["language"] for m in bulk["messages"]} >= {"en", "zh-Hans", "th"}
        assert any(c["assignee_id"] for c in bulk["conversations"])  # routed, and some queued
        assert any(c["queue_reason"] for c in bulk["conversations"])
        assert bulk["conversation_labels"] and bulk["rule_runs"]  # the default rules fired
        resolved = sum(c["status"] == "resolved" for c in bulk["conversations"])
        assert 0.4 < resolved / SHAPE.conversations < 0.7
        for table in TABLES:
            assert len(bulk[table]) == len(piped[table]), table
            for got, want in zip(bulk[table], piped[table], strict=True):
                assert got == want, table
        (tmp_path / "bulk").mkdir()
        (tmp_path / "pipeline").mkdir()
        seen_bulk = _reads(database_url, tmp_path / "bulk")
        seen_pipeline = _reads(pipeline_url, tmp_path / "pipeline")
    assert any(seen_bulk["ranked"].values())
    assert all(seen_bulk["search"][q]["conversations"] for q in ("refund", "退款", "ขอบคุณ"))
    # the rollups' sentiment sums are floats added in another order by the SQL fold: equal to 1e-9
    _same_volume(seen_bulk.pop("volume"), seen_pipeline.pop("volume"))
    assert seen_bulk == seen_pipeline
