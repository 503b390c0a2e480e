"""PostgreSQL's pool pings a connection only after it rested (inbox.store.db.PING_AFTER_IDLE):
a connection in steady use is not pinged (the pre-ping was a round trip in every webhook's 202
and every drain), and one whose server side died while it rested is replaced, not handed out.
Each process names its connections (application_name) so pg_stat_activity tells them apart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from inbox.store import db
from tests.conftest import PG_URL, SERVICES

pytestmark = [pytest.mark.services, pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")]


def _pings(engine) -> list[int]:  # type: ignore[no-untyped-def]
    """Counts the dialect's pings on `engine` (the checkout listener calls dialect.do_ping)."""
    seen: list[int] = []
    original = engine.dialect.do_ping

    def counting(dbapi_conn):  # type: ignore[no-untyped-def]
        seen.append(1)
        return original(dbapi_conn)

    engine.dialect.do_ping = counting
    return seen


def test_a_connection_in_use_is_not_pinged_and_a_rested_dead_one_is_replaced(monkeypatch):
    engine = db.make_engine(PG_URL, pool_size=1, max_overflow=0)
    try:
        pings = _pings(engine)
        with engine.connect() as c:
            first = c.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as c:  # back from the pool at once: no ping
            assert c.execute(text("SELECT pg_backend_pid()")).scalar() == first
        assert pings == []

        # the server side of the pooled connection dies while it rests
        other = db.make_engine(PG_URL, poolclass=NullPool)
        with other.connect() as c:
            assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
        other.dispose()
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # it has rested long enough now
        with engine.connect() as c:  # pinged, found dead, replaced: the caller never sees it
            second = c.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second != first
        assert len(pings) >= 1
        with engine.connect() as c:
            name = c.execute(
                text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            ).scalar()
        assert name == db.application_name()
    finally:
        engine.dispose()
