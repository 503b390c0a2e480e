"""A concurrent creator of the same identity wins cleanly: the loser's spare customer is removed.

On PostgreSQL two writers can race (the insert ignores the conflict and adopts the winner's
row); on SQLite they cannot, because every write transaction holds the database's write lock
from BEGIN IMMEDIATE, which the plain bulk insert there relies on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connectors.types import Author
from inbox.customers import identities
from inbox.store.context import Inbox
from inbox.store.models import Customer, Identity
from tests.conftest import BACKENDS
from tests.service.conftest import identity_seen_late

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_identity_created_meanwhile_is_used_and_spare_customer_removed(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = Author("42", "jane", "Jane")
    first = identity_seen_late(inbox, monkeypatch, author, NOW)
    with inbox.unit_of_work() as uow:
        again = identities.upsert_identities(uow.session, [("x", author), ("x", Author("7", "bo"))], NOW)
    assert again[("x", "42")].id == first.id and again[("x", "42")].customer_id == first.customer_id
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Identity)) == 2
        # one customer each for jane and bo: the spare made for jane's lost insert is gone
        assert s.scalar(select(func.count()).select_from(Customer)) == 2


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_writer_holds_the_lock_from_before_the_lookup(inbox: Inbox) -> None:
    """Between the identity look-up and the insert no other SQLite writer can get in."""
    path = inbox.engine.url.database
    with inbox.unit_of_work() as uow:
        found = identities.upsert_identities(uow.session, [("x", Author("42", "jane"))], NOW)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Identity)) == 1
    assert found[("x", "42")].id is not None
