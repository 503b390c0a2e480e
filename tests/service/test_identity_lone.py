"""A lone new author's customer and identity go in one statement on PostgreSQL (a CTE); a
concurrent creator of the same identity still wins cleanly there: the winner's identity is
adopted and the customer made for the lost insert removed (the batch path's rule, see
test_identity_race)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from connectors.types import Author
from inbox.customers import identities
from inbox.store.context import Inbox
from inbox.store.models import Customer, Identity
from tests.conftest import BACKENDS
from tests.service.conftest import identity_seen_late

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PG = [b for b in BACKENDS if b == "postgresql"]


@pytest.mark.parametrize("backend", PG)
def test_a_lone_new_author_is_one_statement_with_the_columns_defaults(inbox: Inbox) -> None:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    created: dict[int, Any] = {}
    event.listen(inbox.engine, "before_cursor_execute", count)
    try:
        with inbox.unit_of_work() as uow:
            got = identities.upsert_identities(
                uow.session, [("x", Author("42", "jane", "Jane"))], NOW, created
            )
    finally:
        event.remove(inbox.engine, "before_cursor_execute", count)
    writes = [s for s in seen if "customers" in s and "INSERT" in s]
    assert len(writes) == 1 and "identities" in writes[0]
    jane = got[("x", "42")]
    with inbox.read() as s:
        customer = s.get(Customer, jane.customer_id)
        assert (customer.name, customer.vip, customer.clv, customer.first_identity_key) == (
            "Jane",
            False,
            0.0,
            "x\x1f42",
        )
        assert s.get(Identity, jane.id).customer_id == customer.id
    assert list(created) == [jane.customer_id]


@pytest.mark.parametrize("backend", PG)
def test_a_lone_author_created_meanwhile_is_adopted_and_the_spare_customer_removed(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = Author("42", "jane", "Jane")
    first = identity_seen_late(inbox, monkeypatch, author, NOW)
    created: dict[int, Any] = {}
    with inbox.unit_of_work() as uow:
        again = identities.upsert_identities(uow.session, [("x", author)], NOW, created)
    assert again[("x", "42")].id == first.id and again[("x", "42")].customer_id == first.customer_id
    assert created == {}  # the customer made here was not kept
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Identity)) == 1
        assert s.scalar(select(func.count()).select_from(Customer)) == 1
