"""The SQLite search index stays exact at every commit, whatever writes the rows (migration 0005).

Rows are noted by triggers and indexed in bulk just before commit; these tests check the
awkward orders (insert then update or delete in one transaction) with FTS5's own integrity
check, which fails on any index entry that does not match the content table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from inbox.store.db import make_engine


@pytest.fixture
def engine(sqlite_url: str):  # type: ignore[no-untyped-def]
    from tests.conftest import empty_tables

    empty_tables(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, name, lifecycle_stage, vip, clv, attributes, created_at) "
                "VALUES (1, 'Dana Kowalski', 'awareness', 0, 0, '{}', '2026-01-01 00:00:00.000000')"
            )
        )
    yield engine
    engine.dispose()


def _hits(conn, term: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [
        r
        for (r,) in conn.execute(
            text("SELECT rowid FROM customers_fts WHERE customers_fts MATCH :q ORDER BY rowid"),
            {"q": f'"{term}"'},
        )
    ]


def _check(conn) -> None:  # type: ignore[no-untyped-def]
    for table in ("messages", "customers", "identities"):
        conn.execute(text(f"INSERT INTO {table}_fts({table}_fts) VALUES ('integrity-check')"))
    assert conn.execute(text("SELECT count(*) FROM search_pending")).scalar() == 0


def _insert(conn, cid: int, name: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO customers (id, name, lifecycle_stage, vip, clv, attributes, created_at) "
            "VALUES (:id, :name, 'awareness', 0, 0, '{}', '2026-01-01 00:00:00.000000')"
        ),
        {"id": cid, "name": name},
    )


def test_rows_are_searchable_once_committed(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _insert(conn, 2, "Ming Chen")
        assert conn.execute(text("SELECT count(*) FROM search_pending")).scalar() == 1
    with engine.begin() as conn:
        assert _hits(conn, "Chen") == [2] and _hits(conn, "Kowalski") == [1]
        _check(conn)


def test_insert_then_update_then_delete_in_one_transaction(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _insert(conn, 2, "Ming Chen")
        conn.execute(text("UPDATE customers SET name = 'Ming Wang' WHERE id = 2"))
        _insert(conn, 3, "Somchai Dee")
        conn.execute(text("DELETE FROM customers WHERE id = 3"))
        conn.execute(text("UPDATE customers SET name = 'Dana Novak' WHERE id = 1"))  # already indexed
    with engine.begin() as conn:
        assert _hits(conn, "Chen") == [] and _hits(conn, "Wang") == [2]
        assert _hits(conn, "Somchai") == []
        assert _hits(conn, "Kowalski") == [] and _hits(conn, "Novak") == [1]
        _check(conn)


def test_indexed_row_updated_twice_then_deleted(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET name = 'Dana One' WHERE id = 1"))
        conn.execute(text("UPDATE customers SET name = 'Dana Two' WHERE id = 1"))
    with engine.begin() as conn:
        assert _hits(conn, "Two") == [1] and _hits(conn, "One") == [] and _hits(conn, "Kowalski") == []
        conn.execute(text("UPDATE customers SET name = 'Dana Three' WHERE id = 1"))
        conn.execute(text("DELETE FROM customers WHERE id = 1"))
    with engine.begin() as conn:
        assert _hits(conn, "Dana") == []
        _check(conn)


def test_rolled_back_rows_leave_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), engine.begin() as conn:
        _insert(conn, 2, "Ming Chen")
        raise RuntimeError("abort")
    with engine.begin() as conn:
        assert _hits(conn, "Chen") == []
        _check(conn)
