"""hot reads: an index for one- and two-character Latin terms; a version token for API tokens

Search for a Latin term of one or two characters ("ok", "7", "zq") had no index on either
database: SQLite walked every message newest first checking each by LIKE, PostgreSQL scanned
(a rare term read the whole year). Runs of ASCII letters and digits are now keyed like the
Chinese/Thai runs of 0009 (`inbox.search.grams.latin_grams`): every two-character slice,
lower-cased, and the run's last character.

* SQLite: the keys go into the existing `<table>_grams` FTS5 tables beside the Chinese/Thai
  ones (ASCII keys, never equal to a non-ASCII one); every table's gram rows are rebuilt here.
* PostgreSQL: the IMMUTABLE function `murmur_latin_grams(text) -> tsvector` and GIN expression
  indexes on it for every column `murmur_grams` indexes.

`ix_rule_runs_conversation_id` becomes (conversation_id, id): the conversation view shows the
newest 50 rule runs, and PostgreSQL read every run of the conversation to sort them.

And the `tokens` row of `settings_versions` (migration 0011_scaled): bearer tokens' rows are
kept per process under it (`inbox.admin.principals`); without a row they would be read on
every request until the first change.

Revision ID: 0012_hotreads
Revises: 0012_rollups
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from alembic import op

revision = "0012_hotreads"
down_revision = "0012_rollups"
branch_labels = None
depends_on = None

# table -> its columns keyed by grams (0009, and 0010_traffic2 for attachments)
GRAMS = {
    "messages": ("text",),
    "customers": ("name", "email"),
    "identities": ("handle", "display_name", "email", "phone"),
    "attachments": ("name",),
}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION murmur_latin_grams(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_to_tsvector(array_agg(DISTINCT k)), ''::tsvector)
FROM regexp_matches(body, '[0-9A-Za-z]+', 'g') AS m(r),
     LATERAL (SELECT translate(r[1], 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS run) x,
     LATERAL (
       SELECT (regexp_matches(run, '..', 'g'))[1]
       UNION ALL SELECT (regexp_matches(substr(run, 2), '..', 'g'))[1]
       UNION ALL SELECT right(run, 1)
     ) AS g(k)
$fn$
"""

# 0009's murmur_grams (Chinese, Thai and other runs) with the same linear keying: its
# `substr(run, i, 2)` for every i walks the run from its start each time, so a long run cost
# the square of its length (seconds for 5,000 characters). Same keys, so its indexes stay valid.
RUN_CLASS_PG = (
    r"\u0E00-\u0EFF\u1000-\u109F\u1780-\u17FF\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF"
    r"\uAC00-\uD7AF\uF900-\uFAFF\U00020000-\U0002FFFF"
)
PG_RUN_FUNCTION = f"""
CREATE OR REPLACE FUNCTION murmur_grams(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_to_tsvector(array_agg(DISTINCT k)), ''::tsvector)
FROM regexp_matches(body, '[{RUN_CLASS_PG}]+', 'g') AS m(r),
     LATERAL (SELECT r[1] AS run) x,
     LATERAL (
       SELECT (regexp_matches(run, '..', 'g'))[1]
       UNION ALL SELECT (regexp_matches(substr(run, 2), '..', 'g'))[1]
       UNION ALL SELECT right(run, 1)
     ) AS g(k)
$fn$
"""

# Frozen copies of inbox.search.grams (RUN_CLASS and LATIN_CLASS) as of this revision.
_RUN = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]+"
)
_LATIN = re.compile("[0-9A-Za-z]+")


def _gram_text(texts: tuple, latin: bool) -> str:
    keys: dict[str, None] = {}
    for t in texts:
        for m in _RUN.finditer(t or ""):
            s = m.group(0)
            keys.update(dict.fromkeys(s[i : i + 2] for i in range(len(s))))
        if latin:
            for m in _LATIN.finditer(t or ""):
                s = m.group(0).lower()
                keys.update(dict.fromkeys(s[i : i + 2] for i in range(len(s))))
    return " ".join(keys)


def _rebuild_sqlite_grams(latin: bool) -> None:
    conn = op.get_bind()
    for table, cols in GRAMS.items():
        conn.exec_driver_sql(f"DELETE FROM {table}_grams")
        # rows still pending are keyed at the next commit (inbox.search.index), like their trigrams
        rows = conn.exec_driver_sql(
            f"SELECT id, {', '.join(cols)} FROM {table} "
            f"WHERE id NOT IN (SELECT id FROM search_pending WHERE tbl = '{table}')"
        )
        while chunk := rows.fetchmany(20_000):
            batch = [(r[0], g) for r in chunk if (g := _gram_text(tuple(r[1:]), latin))]
            if batch:
                conn.exec_driver_sql(f"INSERT INTO {table}_grams(rowid, grams) VALUES (?, ?)", batch)


def upgrade() -> None:
    op.drop_index("ix_rule_runs_conversation_id", table_name="rule_runs")
    op.create_index("ix_rule_runs_conversation_id", "rule_runs", ["conversation_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_RUN_FUNCTION)
        for table, cols in GRAMS.items():
            for col in cols:
                op.execute(
                    f"CREATE INDEX ix_{table}_{col}_latin ON {table} USING gin (murmur_latin_grams({col}))"
                )
    else:
        _rebuild_sqlite_grams(latin=True)
    versions = sa.table("settings_versions", sa.column("name", sa.String), sa.column("token", sa.String))
    op.execute(versions.delete().where(versions.c.name == "tokens"))
    op.bulk_insert(versions, [{"name": "tokens", "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_index("ix_rule_runs_conversation_id", table_name="rule_runs")
    op.create_index("ix_rule_runs_conversation_id", "rule_runs", ["conversation_id"])
    op.execute("DELETE FROM settings_versions WHERE name = 'tokens'")
    if op.get_bind().dialect.name == "postgresql":
        for table, cols in GRAMS.items():
            for col in cols:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{col}_latin")
        op.execute("DROP FUNCTION IF EXISTS murmur_latin_grams(text)")
    else:
        _rebuild_sqlite_grams(latin=False)
