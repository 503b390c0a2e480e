"""Replies sent part by part, blobs found by their references, file names searched by index

* `outbox.parts_sent`: the network ids of the parts of a reply already delivered (a Telegram
  reply with three files is three calls). A retry after a failure half way sends only the parts
  not in this list, so no file reaches the customer twice.
* `ix_attachments_sha256`: the blob sweeper asks "does any row still reference this blob?" for
  each blob of the store; without the index each question read the whole table.
* File-name search served by an index, as message text is (migrations 0004, 0005, 0009):
  SQLite gets `attachments_fts` (FTS5 trigram, filled at commit through `search_pending`) and
  `attachments_grams` (short Chinese/Thai keys); PostgreSQL a pg_trgm GIN index on `name` and a
  GIN index on `murmur_grams(name)`.

Revision ID: 0010_traffic2
Revises: 0009_queue
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0010_traffic2"
down_revision = "0009_queue"
branch_labels = None
depends_on = None

# a frozen copy of inbox.search.grams.RUN_CLASS (a migration keeps its own)
_RUN = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+"
)


def _gram_text(text: str | None) -> str:
    keys: dict[str, None] = {}
    for m in _RUN.finditer(text or ""):
        run = m.group(0)
        keys.update(dict.fromkeys(run[i : i + 2] for i in range(len(run))))
    return " ".join(keys)


def _sqlite_upgrade() -> None:
    fts, pending = (
        "attachments_fts",
        "EXISTS (SELECT 1 FROM search_pending WHERE tbl = 'attachments' AND id = old.id)",
    )
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(name, content='attachments', content_rowid='id', "
        "tokenize='trigram')"
    )
    op.execute("CREATE VIRTUAL TABLE attachments_grams USING fts5(grams, tokenize='ascii', detail='none')")
    unindex = f"INSERT INTO {fts}({fts}, rowid, name) SELECT 'delete', old.id, old.name WHERE NOT {pending};"
    forget = "DELETE FROM attachments_grams WHERE rowid = old.id;"
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON attachments BEGIN "
        "INSERT OR IGNORE INTO search_pending(tbl, id) VALUES ('attachments', new.id); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON attachments BEGIN {unindex} {forget} "
        "DELETE FROM search_pending WHERE tbl = 'attachments' AND id = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF name ON attachments BEGIN {unindex} {forget} "
        "INSERT OR IGNORE INTO search_pending(tbl, id) VALUES ('attachments', new.id); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    conn = op.get_bind()
    rows = conn.exec_driver_sql("SELECT id, name FROM attachments")
    batch = [(r[0], g) for r in rows if (g := _gram_text(r[1]))]
    if batch:
        conn.exec_driver_sql("INSERT INTO attachments_grams(rowid, grams) VALUES (?, ?)", batch)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("parts_sent", sa.JSON(), nullable=True))
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_attachments_name_trgm ON attachments USING gin (name gin_trgm_ops)")
        op.execute("CREATE INDEX ix_attachments_name_grams ON attachments USING gin (murmur_grams(name))")
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_attachments_name_grams")
        op.execute("DROP INDEX IF EXISTS ix_attachments_name_trgm")
    else:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS attachments_fts_{suffix}")
        op.execute("DELETE FROM search_pending WHERE tbl = 'attachments'")
        op.execute("DROP TABLE IF EXISTS attachments_grams")
        op.execute("DROP TABLE IF EXISTS attachments_fts")
    op.drop_index("ix_attachments_sha256", table_name="attachments")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parts_sent")
