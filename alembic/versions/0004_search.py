"""full-text search indexes; mentions on notes (issue 6)

Both backends index by character trigrams, because customers write Chinese, Japanese and Thai,
which have no spaces between words: a word tokenizer (FTS5 unicode61, PostgreSQL 'simple'
tsvector) would see a whole sentence as one token and never match a word inside it.

SQLite: FTS5 external-content tables with the 'trigram' tokenizer (SQLite >= 3.34), kept in step
by triggers, so every insert path (ORM, bulk INSERT, raw SQL) is indexed in the same transaction.
PostgreSQL: pg_trgm GIN indexes on the columns themselves; ILIKE uses them and no trigger is needed.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table -> indexed columns (the FTS table is <table>_fts; its rowid is the row's id)
INDEXED = {
    "messages": ("text",),
    "customers": ("name", "email"),
    "identities": ("handle", "display_name", "email", "phone"),
}


def _sqlite_upgrade() -> None:
    for table, cols in INDEXED.items():
        fts = f"{table}_fts"
        names = ", ".join(cols)
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
            "tokenize='trigram')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _postgresql_upgrade() -> None:
    # pg_trgm is a trusted extension (PostgreSQL >= 13): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, cols in INDEXED.items():
        for col in cols:
            op.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_{col}_trgm ON {table} USING gin ({col} gin_trgm_ops)")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("mentions", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, cols in INDEXED.items():
            for col in cols:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{col}_trgm")
    else:
        for table in INDEXED:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("mentions")
