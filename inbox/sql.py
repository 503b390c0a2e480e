"""The few dialect-specific statements Murmur needs, chosen by the session's backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, conflict_columns: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on the unique key, for idempotent writes."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=conflict_columns)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=conflict_columns)


def lock_channel(session: Session, channel_account_id: int) -> None:
    """Serialize ingest per channel account for the rest of the transaction.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite already serializes writers
    (every write transaction begins IMMEDIATE), so nothing more is needed there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :id)"), {"k": 4201, "id": channel_account_id})
