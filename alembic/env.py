"""Alembic environment: the URL comes from the caller (inbox.store.schema) or MURMUR_DATABASE_URL."""

from __future__ import annotations

import os

from sqlalchemy import pool

from alembic import context
from inbox.store.db import make_engine
from inbox.store.models import Base

config = context.config
url = config.attributes.get("database_url") or os.environ.get(
    "MURMUR_DATABASE_URL", "sqlite:///instance/murmur.db"
)


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = (
            make_engine(url, poolclass=pool.NullPool) if not url.startswith("sqlite") else make_engine(url)
        )
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
