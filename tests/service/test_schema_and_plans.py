"""The migrations build exactly the schema the models declare, and the queries that read a window
of time out of the whole history (dashboard, spike, survey and lifecycle jobs) use an index
rather than reading every message or conversation ever stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from inbox.insights import lifecycle_service, reporting, spikes_service, surveys_service
from inbox.insights.reporting_filters import Filters
from inbox.store.db import make_engine
from inbox.store.models import Base
from tests.service.conftest import message, selects_run_by

# Search is made by raw SQL in the migrations, not declared in models: SQLite's FTS5 tables and
# their queue, PostgreSQL's pg_trgm GIN indexes (migration 0004), gram expression indexes (0009) and
# Latin gram expression indexes (0012_hotreads); attachment file names have the same (0010_traffic2).
_SEARCH_TABLES = (
    "search_pending",
    "messages_fts",
    "customers_fts",
    "identities_fts",
    "attachments_fts",
) + tuple(f"{t}_grams" for t in ("messages", "customers", "identities", "attachments"))


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "index" and (name or "").endswith(("_trgm", "_grams", "_latin")):
        return False
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = getattr(table, "name", name) or ""
    return not table_name.startswith(_SEARCH_TABLES)


def test_migrations_build_the_schema_the_models_declare(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": _ours})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


# SQLite's plans only: PostgreSQL's planner chooses by table statistics, and these tables are tiny.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_time_window_queries_read_an_index_not_the_whole_history(client, world, post_webhook, inbox, backend):
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    for i in range(3):
        post_webhook(channel_id, secret, message(f"w{i}", "This is terrible, refund me", author=f"a{i}"))
    now = inbox.clock()
    work = {
        "dashboard": lambda: reporting.dashboard(inbox, sup["id"], Filters(now - timedelta(days=7), now)),
        "spikes": lambda: spikes_service.check_spikes(inbox),
        "surveys": lambda: surveys_service.send_surveys(inbox),
        # the second run reads what changed since the first (the first sweeps every customer)
        "lifecycle": lambda: [lifecycle_service.refresh_customers(inbox) for _ in range(2)],
    }
    full_scans = []
    for name, run in work.items():
        with inbox.engine.connect() as conn:
            for statement, parameters in selects_run_by(inbox, run):
                plan = " | ".join(
                    row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                )
                if "SCAN messages" in plan or "SCAN conversations" in plan:
                    full_scans.append((name, " ".join(statement.split())[:120], plan))
    assert full_scans == []
