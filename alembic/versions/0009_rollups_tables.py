"""dashboard rollups: counts by bucket, channel, language, sentiment, label and term (issue 22)

Three tables: `rollup_messages` (inbound messages per hour and per day, channel, language and
sentiment label, with the sum of their compounds; per day also per conversation label),
`rollup_terms` (texts containing a term per day and per month, channel and language) and `rollup_pending`
(changes not yet folded into them).

Triggers on `messages` (insert, delete, and updates of the counted columns) and on
`conversation_labels` (insert, delete) append to `rollup_pending`, so every writer is counted
(the pipeline's bulk insert, ORM adds in tests and tools, corrections, the six places labels are
edited) in the writer's own transaction. They only append: two ingest transactions never wait
for each other on a shared counter row (and cannot deadlock on two of them, as row-level
upserts of hot buckets did in a first cut). `inbox.insights.rollups.fold` folds pending rows
into the rollups exactly once (read, add, delete the rows read, in one transaction).

Backfill: every inbound message already stored (and its conversation's labels) is appended to
`rollup_pending` by one INSERT ... SELECT each, then folded in batches by the same `fold` code
the job runs, so a migrated database and one that grew with the triggers hold the same rows.

Three indexes serve the dashboard's top-N queries (top mentions by sentiment, reach by
followers, an author's messages in a range).

Revision ID: 0009_rollups
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa

import inbox.store.models.base
from alembic import op

revision = "0009_rollups"
down_revision = "0009_attach"
branch_labels = None
depends_on = None

_COLUMNS = "message_id, conv_label, sign, created_at, channel, language, sentiment, scored, compound"


def _facts(m: str, scored: str) -> str:
    """The counted facts of message row `m` (NEW, OLD or an alias), in `_COLUMNS` order after the
    first three."""
    return (
        f"{m}.created_at, c.channel, coalesce({m}.language, ''), "
        f"CASE WHEN {m}.sentiment_label IN ('positive', 'negative') THEN {m}.sentiment_label "
        f"ELSE 'neutral' END, {scored.format(m=m)}, coalesce({m}.sentiment, 0.0)"
    )


def _message_rows(m: str, sign: int, scored: str, text_type: str) -> str:
    """One pending row for all messages and one per label of the message's conversation."""
    return (
        f"INSERT INTO rollup_pending ({_COLUMNS}) "
        f"SELECT {m}.id, g.label, {sign}, {_facts(m, scored)} "
        f"FROM conversations c, (SELECT CAST('' AS {text_type}) AS label UNION ALL "
        f"SELECT l.label FROM conversation_labels l WHERE l.conversation_id = {m}.conversation_id) g "
        f"WHERE c.id = {m}.conversation_id"
    )


def _label_rows(row: str, sign: str, scored: str) -> str:
    """One pending row per inbound message of the conversation that gained or lost a label."""
    return (
        f"INSERT INTO rollup_pending ({_COLUMNS}) "
        f"SELECT m.id, {row}.label, {sign}, {_facts('m', scored)} "
        f"FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE m.conversation_id = {row}.conversation_id AND m.direction = 'in'"
    )


_COUNTED = "conversation_id, direction, language, sentiment, sentiment_label, created_at"
_SQLITE_SCORED = "({m}.sentiment IS NOT NULL)"
_PG_SCORED = "CAST({m}.sentiment IS NOT NULL AS integer)"


def _sqlite_triggers() -> list[str]:
    new = _message_rows("new", 1, _SQLITE_SCORED, "TEXT")
    old = _message_rows("old", -1, _SQLITE_SCORED, "TEXT")
    return [
        f"CREATE TRIGGER rollup_messages_ai AFTER INSERT ON messages WHEN new.direction = 'in' BEGIN {new}; END",
        f"CREATE TRIGGER rollup_messages_ad AFTER DELETE ON messages WHEN old.direction = 'in' BEGIN {old}; END",
        f"CREATE TRIGGER rollup_messages_au AFTER UPDATE OF {_COUNTED} ON messages BEGIN "
        f"{old} AND old.direction = 'in'; {new} AND new.direction = 'in'; END",
        "CREATE TRIGGER rollup_labels_ai AFTER INSERT ON conversation_labels BEGIN "
        f"{_label_rows('new', '1', _SQLITE_SCORED)}; END",
        "CREATE TRIGGER rollup_labels_ad AFTER DELETE ON conversation_labels BEGIN "
        f"{_label_rows('old', '-1', _SQLITE_SCORED)}; END",
    ]


def _postgresql_triggers() -> list[str]:
    return [
        "CREATE FUNCTION rollup_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' AND OLD.direction = 'in' THEN "
        f"{_message_rows('OLD', -1, _PG_SCORED, 'varchar')}; END IF; "
        f"IF TG_OP <> 'DELETE' AND NEW.direction = 'in' THEN "
        f"{_message_rows('NEW', 1, _PG_SCORED, 'varchar')}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER rollup_messages AFTER INSERT OR DELETE OR UPDATE OF {_COUNTED} ON messages "
        "FOR EACH ROW EXECUTE FUNCTION rollup_message_changed()",
        "CREATE FUNCTION rollup_label_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_label_rows('NEW', '1', _PG_SCORED)}; "
        f"ELSE {_label_rows('OLD', '-1', _PG_SCORED)}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER rollup_labels AFTER INSERT OR DELETE ON conversation_labels "
        "FOR EACH ROW EXECUTE FUNCTION rollup_label_changed()",
    ]


def _backfill(dialect: str) -> None:
    scored = _PG_SCORED if dialect == "postgresql" else _SQLITE_SCORED
    text_type = "varchar" if dialect == "postgresql" else "TEXT"
    op.execute(
        f"INSERT INTO rollup_pending ({_COLUMNS}) "
        f"SELECT m.id, CAST('' AS {text_type}), 1, {_facts('m', scored)} "
        "FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.direction = 'in'"
    )
    op.execute(
        f"INSERT INTO rollup_pending ({_COLUMNS}) "
        f"SELECT m.id, l.label, 1, {_facts('m', scored)} "
        "FROM conversation_labels l JOIN conversations c ON c.id = l.conversation_id "
        "JOIN messages m ON m.conversation_id = l.conversation_id WHERE m.direction = 'in'"
    )
    from inbox.insights.rollups import fold_all  # the job's own code, so both agree

    fold_all(op.get_bind())


def upgrade() -> None:
    utc = inbox.store.models.base.UTCDateTime()
    op.create_table(
        "rollup_messages",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("conv_label", sa.String(length=60), nullable=False),
        sa.Column("bucket_start", utc, nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "conv_label", "bucket_start", "channel", "language", "sentiment", name="pk_rollup_messages"
        ),
    )
    op.create_table(
        "rollup_terms",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", utc, nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "bucket_start", "channel", "language", "term", name="pk_rollup_terms"),
    )
    op.create_table(
        "rollup_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conv_label", sa.String(length=60), nullable=False),
        sa.Column("sign", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("compound", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_pending")),
    )
    op.create_index("ix_messages_label_sentiment", "messages", ["sentiment_label", "sentiment"])
    op.create_index("ix_messages_author_created", "messages", ["author_identity_id", "created_at"])
    op.create_index("ix_identities_followers", "identities", ["followers"])
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    _backfill(dialect)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER rollup_labels ON conversation_labels")
        op.execute("DROP TRIGGER rollup_messages ON messages")
        op.execute("DROP FUNCTION rollup_label_changed()")
        op.execute("DROP FUNCTION rollup_message_changed()")
    else:
        for name in ("rollup_messages_ai", "rollup_messages_ad", "rollup_messages_au"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TRIGGER rollup_labels_ai")
        op.execute("DROP TRIGGER rollup_labels_ad")
    op.drop_index("ix_identities_followers", table_name="identities")
    op.drop_index("ix_messages_author_created", table_name="messages")
    op.drop_index("ix_messages_label_sentiment", table_name="messages")
    op.drop_table("rollup_pending")
    op.drop_table("rollup_terms")
    op.drop_table("rollup_messages")
