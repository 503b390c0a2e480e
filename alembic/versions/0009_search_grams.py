"""search: indexes for one- and two-character Chinese/Thai terms; messages paged by (created_at, id)

A trigram index cannot look up a term shorter than three characters, and Chinese and Thai words
often are that short (退款, 好, ดี): on PostgreSQL such a search was a parallel sequential scan
(1.2 s on 1,000,000 messages) and on SQLite a scan of every message. Each run of characters of
the scripts written without spaces is now indexed under its two-character slices and its last
character (`inbox.search.grams`), so a two-character term is one key and a one-character term a
prefix of keys:

* PostgreSQL: the IMMUTABLE SQL function `murmur_grams(text) -> tsvector` and GIN expression
  indexes on it (each column the trigram indexes of 0004 cover); nothing to
  maintain at ingest, PostgreSQL updates the index with the row.
* SQLite: FTS5 tables `<table>_grams` holding the keys as space-separated words ('ascii'
  tokenizer: every non-ASCII character is part of a word; detail=none, as only presence is
  asked). They are filled at commit with the trigram tables (`inbox.search.index`), from the
  rows the triggers of 0005 note; triggers here remove a row's keys when it changes or goes.

The message index becomes (conversation_id, created_at, id), so a conversation's newest page
and each older page (keyset on created_at, id) are read in index order on both databases.

Revision ID: 0009_search
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009_search"
down_revision = "0009_rank"
branch_labels = None
depends_on = None

# A frozen copy of inbox.search.grams.RUN_CLASS in PostgreSQL's regular-expression syntax.
RUN_CLASS_PG = (
    r"\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF"
    r"\uAC00-\uD7AF\uF900-\uFAFF\U00020000-\U0002FFFF"
)
# table -> the columns 0004 indexes by trigrams, now keyed by grams too (every one of them, so
# a short term found by LIKE in any column is found by the index as well)
GRAMS = {
    "messages": ("text",),
    "customers": ("name", "email"),
    "identities": ("handle", "display_name", "email", "phone"),
}

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION murmur_grams(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_to_tsvector(array_agg(DISTINCT substr(run, i, 2))), ''::tsvector)
FROM regexp_matches(body, '[{RUN_CLASS_PG}]+', 'g') AS m(r),
     LATERAL (SELECT r[1] AS run) x,
     LATERAL generate_series(1, length(run)) AS i
$fn$
"""


def _gram_text(texts: tuple) -> str:
    import re

    run = re.compile(
        "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
        "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+"
    )
    keys: dict[str, None] = {}
    for t in texts:
        for m in run.finditer(t or ""):
            s = m.group(0)
            keys.update(dict.fromkeys(s[i : i + 2] for i in range(len(s))))
    return " ".join(keys)


def _sqlite_upgrade() -> None:
    conn = op.get_bind()
    for table, cols in GRAMS.items():
        op.execute(
            f"CREATE VIRTUAL TABLE {table}_grams USING fts5(grams, tokenize='ascii', detail='none')"
        )
        names = ", ".join(cols)
        forget = f"DELETE FROM {table}_grams WHERE rowid = old.id;"
        op.execute(f"CREATE TRIGGER {table}_grams_ad AFTER DELETE ON {table} BEGIN {forget} END")
        op.execute(f"CREATE TRIGGER {table}_grams_au AFTER UPDATE OF {names} ON {table} BEGIN {forget} END")
        # existing rows (those still pending are indexed at the next commit, like their trigrams)
        rows = conn.exec_driver_sql(
            f"SELECT id, {', '.join(cols)} FROM {table} "
            f"WHERE id NOT IN (SELECT id FROM search_pending WHERE tbl = '{table}')"
        )
        batch = [(r[0], g) for r in rows if (g := _gram_text(tuple(r[1:])))]
        if batch:
            conn.exec_driver_sql(f"INSERT INTO {table}_grams(rowid, grams) VALUES (?, ?)", batch)


def _postgresql_upgrade() -> None:
    op.execute(PG_FUNCTION)
    for table, cols in GRAMS.items():
        for col in cols:
            op.execute(f"CREATE INDEX ix_{table}_{col}_grams ON {table} USING gin (murmur_grams({col}))")


def upgrade() -> None:
    op.drop_index("ix_messages_conversation_created", table_name="messages")
    op.create_index("ix_messages_conversation_created", "messages", ["conversation_id", "created_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, cols in GRAMS.items():
            for col in cols:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{col}_grams")
        op.execute("DROP FUNCTION IF EXISTS murmur_grams(text)")
    else:
        for table in GRAMS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_grams_ad")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_grams_au")
            op.execute(f"DROP TABLE IF EXISTS {table}_grams")
    op.drop_index("ix_messages_conversation_created", table_name="messages")
    op.create_index("ix_messages_conversation_created", "messages", ["conversation_id", "created_at"])
