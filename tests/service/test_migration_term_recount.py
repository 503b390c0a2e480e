"""Migration 0011_dashboard recounts the term rollups of a database that already holds messages:
the recount equals what the triggers and the fold job had counted, on both databases (it used to
call a helper that no longer existed, so upgrading a database with history failed)."""

from __future__ import annotations

from sqlalchemy import text

from inbox.insights import rollups
from tests.service.conftest import load_migration
from tests.service.test_rollups import _channels, _recount, _run, _stored


def test_recount_on_a_database_with_history_equals_the_folded_terms(database_url, inbox, world):
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    program = [
        ("ingest", "webhook", [(0, 0, 10), (1, 2, 900), (2, 3, 2000)]),
        ("ingest", "mastodon", [(0, 4, 3000)]),
    ]
    _run(inbox, sup["id"], channels, program, [0])
    rollups.fold(inbox)
    kept_terms = _stored(inbox)[1]
    assert kept_terms  # the history has terms to recount
    with inbox.unit_of_work() as uow:
        conn = uow.session.connection()
        conn.execute(
            text("UPDATE rollup_terms SET texts = texts + 7")
        )  # wrong counts the recount must replace
        load_migration("0011_dashboard").recount_terms(conn)
    assert _stored(inbox)[1] == kept_terms
    assert kept_terms == _recount(inbox)[1]
    # a later message folds onto the recounted rows, not beside them
    _run(inbox, sup["id"], channels, [("ingest", "webhook", [(0, 0, 20)])], [0])
    rollups.fold(inbox)
    assert _stored(inbox)[1] == _recount(inbox)[1]
