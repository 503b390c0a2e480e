"""dashboard from rollups only: per-author rollups and service-level histograms (issue 22)

The 365-day dashboard still read per-message and per-conversation rows for two figures:
influencers by message count (the period's messages grouped by author) and the service levels
(one index entry per conversation, sorted twice for the medians). This migration adds what
lets both come from rollups:

* `rollup_pending.author_identity_id`, filled by the message triggers (recreated here with it,
  and with `author_identity_id` among the watched columns), and `rollup_authors` (inbound and
  negative messages per author, day/month, channel and language, and again under language
  "*" for reads without a language filter);
* `rollup_service_pending`, appended by new triggers on `conversations` (insert, delete, and
  updates that change the creation time, channel, language, first response, resolution or
  their due times), and `rollup_service` (conversations per day/month, channel, language and
  kind: SLA outcome counts and a log-scaled histogram of answer times with their sums);
* two partial indexes of the unanswered conversations by due time, for "pending" (due after
  now), the one figure that moves with the clock.

Backfill: the pending rows already there get their messages' authors; `rollup_authors` starts
as the messages' recount *less* what is still pending (the fold adds that later, so nothing is
counted twice); every conversation is appended to `rollup_service_pending` and folded by the
job's own code. Downgrade restores the 0009 triggers and drops all of it.

Revision ID: 0012_rollups
Revises: 0011_dashboard
"""

from __future__ import annotations

import sqlalchemy as sa

import inbox.store.models.base
from alembic import op

revision = "0012_rollups"
down_revision = "0011_dashboard"
branch_labels = None
depends_on = None

_BASE = "message_id, conv_label, sign, created_at, channel, language, sentiment, scored, compound"
_SQLITE_SCORED = "({m}.sentiment IS NOT NULL)"
_PG_SCORED = "CAST({m}.sentiment IS NOT NULL AS integer)"
_COUNTED = "conversation_id, direction, language, sentiment, sentiment_label, created_at"
_SERVICE = (
    "created_at, channel, language, first_response_at, first_response_due_at, resolved_at, resolution_due_at"
)


def _facts(m: str, scored: str, author: bool) -> str:
    return (
        f"{m}.created_at, c.channel, coalesce({m}.language, ''), "
        f"CASE WHEN {m}.sentiment_label IN ('positive', 'negative') THEN {m}.sentiment_label "
        f"ELSE 'neutral' END, {scored.format(m=m)}, coalesce({m}.sentiment, 0.0)"
        + (f", {m}.author_identity_id" if author else "")
    )


def _columns(author: bool) -> str:
    return _BASE + (", author_identity_id" if author else "")


def _message_rows(m: str, sign: int, scored: str, text_type: str, author: bool) -> str:
    return (
        f"INSERT INTO rollup_pending ({_columns(author)}) "
        f"SELECT {m}.id, g.label, {sign}, {_facts(m, scored, author)} "
        f"FROM conversations c, (SELECT CAST('' AS {text_type}) AS label UNION ALL "
        f"SELECT l.label FROM conversation_labels l WHERE l.conversation_id = {m}.conversation_id) g "
        f"WHERE c.id = {m}.conversation_id"
    )


def _label_rows(row: str, sign: str, scored: str, author: bool) -> str:
    return (
        f"INSERT INTO rollup_pending ({_columns(author)}) "
        f"SELECT m.id, {row}.label, {sign}, {_facts('m', scored, author)} "
        f"FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE m.conversation_id = {row}.conversation_id AND m.direction = 'in'"
    )


def _service_row(row: str, sign: int) -> str:
    return (
        f"INSERT INTO rollup_service_pending (conversation_id, sign, {_SERVICE}) VALUES "
        f"({row}.id, {sign}, {row}.created_at, {row}.channel, coalesce({row}.language, ''), "
        f"{row}.first_response_at, {row}.first_response_due_at, {row}.resolved_at, {row}.resolution_due_at)"
    )


def _sqlite_triggers(author: bool) -> list[str]:
    counted = _COUNTED + (", author_identity_id" if author else "")
    new = _message_rows("new", 1, _SQLITE_SCORED, "TEXT", author)
    old = _message_rows("old", -1, _SQLITE_SCORED, "TEXT", author)
    return [
        f"CREATE TRIGGER rollup_messages_ai AFTER INSERT ON messages WHEN new.direction = 'in' BEGIN {new}; END",
        f"CREATE TRIGGER rollup_messages_ad AFTER DELETE ON messages WHEN old.direction = 'in' BEGIN {old}; END",
        f"CREATE TRIGGER rollup_messages_au AFTER UPDATE OF {counted} ON messages BEGIN "
        f"{old} AND old.direction = 'in'; {new} AND new.direction = 'in'; END",
        "CREATE TRIGGER rollup_labels_ai AFTER INSERT ON conversation_labels BEGIN "
        f"{_label_rows('new', '1', _SQLITE_SCORED, author)}; END",
        "CREATE TRIGGER rollup_labels_ad AFTER DELETE ON conversation_labels BEGIN "
        f"{_label_rows('old', '-1', _SQLITE_SCORED, author)}; END",
    ]


_SQLITE_MESSAGE_TRIGGERS = (
    "rollup_messages_ai",
    "rollup_messages_ad",
    "rollup_messages_au",
    "rollup_labels_ai",
    "rollup_labels_ad",
)


def _sqlite_service_triggers() -> list[str]:
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _SERVICE.split(", "))
    return [
        f"CREATE TRIGGER rollup_service_ai AFTER INSERT ON conversations BEGIN {_service_row('new', 1)}; END",
        f"CREATE TRIGGER rollup_service_ad AFTER DELETE ON conversations BEGIN {_service_row('old', -1)}; END",
        f"CREATE TRIGGER rollup_service_au AFTER UPDATE OF {_SERVICE} ON conversations WHEN {changed} BEGIN "
        f"{_service_row('old', -1)}; {_service_row('new', 1)}; END",
    ]


def _postgresql_message_triggers(author: bool) -> list[str]:
    counted = _COUNTED + (", author_identity_id" if author else "")
    return [
        "CREATE OR REPLACE FUNCTION rollup_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' AND OLD.direction = 'in' THEN "
        f"{_message_rows('OLD', -1, _PG_SCORED, 'varchar', author)}; END IF; "
        f"IF TG_OP <> 'DELETE' AND NEW.direction = 'in' THEN "
        f"{_message_rows('NEW', 1, _PG_SCORED, 'varchar', author)}; END IF; "
        "RETURN NULL; END $$",
        "DROP TRIGGER rollup_messages ON messages",
        f"CREATE TRIGGER rollup_messages AFTER INSERT OR DELETE OR UPDATE OF {counted} ON messages "
        "FOR EACH ROW EXECUTE FUNCTION rollup_message_changed()",
        "CREATE OR REPLACE FUNCTION rollup_label_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_label_rows('NEW', '1', _PG_SCORED, author)}; "
        f"ELSE {_label_rows('OLD', '-1', _PG_SCORED, author)}; END IF; "
        "RETURN NULL; END $$",
    ]


def _postgresql_service_triggers() -> list[str]:
    cols = ", ".join(f"{{r}}.{c}" for c in _SERVICE.split(", "))
    return [
        "CREATE FUNCTION rollup_service_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'UPDATE' AND ({cols.format(r='OLD')}) IS NOT DISTINCT FROM ({cols.format(r='NEW')}) "
        "THEN RETURN NULL; END IF; "
        f"IF TG_OP <> 'INSERT' THEN {_service_row('OLD', -1)}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_service_row('NEW', 1)}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER rollup_service AFTER INSERT OR DELETE OR UPDATE OF {_SERVICE} ON conversations "
        "FOR EACH ROW EXECUTE FUNCTION rollup_service_changed()",
    ]


def _backfill(conn: sa.Connection) -> None:
    from inbox.insights.rollup_fold import _bucket  # the job's own code, so both agree
    from inbox.insights.rollups import fold_all

    dialect = conn.dialect.name
    op.execute(
        "UPDATE rollup_pending SET author_identity_id = "
        "(SELECT m.author_identity_id FROM messages m WHERE m.id = rollup_pending.message_id)"
    )
    negative = "CASE WHEN {s} = 'negative' THEN {n} ELSE 0 END"
    for grain in ("d", "m"):
        for any_language in (False, True):  # per language, and once more under "*"
            counted = (
                f"SELECT {_bucket(dialect, grain, 'm.created_at')} AS b, m.author_identity_id AS a, "
                "c.channel AS ch, " + ("'*'" if any_language else "coalesce(m.language, '')") + " AS lang, 1 AS n, "
                + negative.format(s="m.sentiment_label", n="1")
                + " AS neg FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.direction = 'in' AND m.author_identity_id IS NOT NULL"
            )
            unfolded = (
                f"SELECT {_bucket(dialect, grain, 'p.created_at')}, p.author_identity_id, p.channel, "
                + ("'*'" if any_language else "p.language")
                + ", -p.sign, "
                + negative.format(s="p.sentiment", n="-p.sign")
                + " FROM rollup_pending p WHERE p.conv_label = '' AND p.author_identity_id IS NOT NULL"
            )
            op.execute(
                "INSERT INTO rollup_authors "
                "(grain, bucket_start, author_identity_id, channel, language, messages, negative) "
                f"SELECT '{grain}', b, a, ch, lang, sum(n), sum(neg) FROM ({counted} UNION ALL {unfolded}) x "
                "WHERE true GROUP BY b, a, ch, lang"
            )
    op.execute(
        f"INSERT INTO rollup_service_pending (conversation_id, sign, {_SERVICE}) "
        "SELECT id, 1, created_at, channel, coalesce(language, ''), first_response_at, "
        "first_response_due_at, resolved_at, resolution_due_at FROM conversations"
    )
    fold_all(conn)


def upgrade() -> None:
    utc = inbox.store.models.base.UTCDateTime()
    op.add_column("rollup_pending", sa.Column("author_identity_id", sa.Integer(), nullable=True))
    op.create_table(
        "rollup_authors",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", utc, nullable=False),
        sa.Column("author_identity_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "language", "bucket_start", "author_identity_id", "channel", name="pk_rollup_authors"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_service",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", utc, nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "bucket_start", "channel", "language", "kind", "slot", name="pk_rollup_service"
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_service_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sign", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("first_response_at", utc, nullable=True),
        sa.Column("first_response_due_at", utc, nullable=True),
        sa.Column("resolved_at", utc, nullable=True),
        sa.Column("resolution_due_at", utc, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_service_pending")),
    )
    op.create_index(
        "ix_conversations_first_response_open",
        "conversations",
        ["first_response_due_at"],
        sqlite_where=sa.text("first_response_at IS NULL"),
        postgresql_where=sa.text("first_response_at IS NULL"),
    )
    op.create_index(
        "ix_conversations_resolution_open",
        "conversations",
        ["resolution_due_at"],
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        statements = _postgresql_message_triggers(True) + _postgresql_service_triggers()
    else:
        statements = [f"DROP TRIGGER {name}" for name in _SQLITE_MESSAGE_TRIGGERS]
        statements += _sqlite_triggers(True) + _sqlite_service_triggers()
    for statement in statements:
        op.execute(statement)
    _backfill(conn)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER rollup_service ON conversations")
        op.execute("DROP FUNCTION rollup_service_changed()")
        statements = _postgresql_message_triggers(False)
    else:
        for name in (
            "rollup_service_ai",
            "rollup_service_ad",
            "rollup_service_au",
            *_SQLITE_MESSAGE_TRIGGERS,
        ):
            op.execute(f"DROP TRIGGER {name}")
        statements = _sqlite_triggers(False)
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_conversations_resolution_open", table_name="conversations")
    op.drop_index("ix_conversations_first_response_open", table_name="conversations")
    op.drop_table("rollup_service_pending")
    op.drop_table("rollup_service")
    op.drop_table("rollup_authors")
    op.execute("ALTER TABLE rollup_pending DROP COLUMN author_identity_id")
