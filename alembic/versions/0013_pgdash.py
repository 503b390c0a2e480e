"""A token per month of the author rollups, so a reader can reuse what it summed (issue 22)

`rollup_generations` holds one random token per month; every fold that changes a month's
`rollup_authors` or `rollup_terms` rows gives that month a new token in the same transaction
(`inbox.insights.rollup_fold`). The dashboard's top authors and rising terms keep, in the
process, their sums over a period's whole months and reuse them while every month still has the
token they were summed under (`inbox.insights.dashboard_rollups.month_cache`): a year's closed
months are summed once instead of on every request (about 99,000 author rows and tens of
thousands of term rows on the one-year bench).

The upgrade gives every month that already has author or term rows a token (one for all of them: a
token only has to change when its month does), so existing databases use the cache at once.

Top mentions: `ix_messages_label_sentiment (sentiment_label, sentiment)` becomes two partial
indexes, `ix_messages_top_negative (sentiment, created_at DESC, id DESC)` and
`ix_messages_top_positive (sentiment DESC, created_at DESC, id DESC)`, each over its label's
messages only: the query's whole order, so the five top messages are the first five entries
(with the old index PostgreSQL read and sorted the whole tie at the top score: 6,918 messages
for a year's positive ones). Neutral messages, about half, are no longer indexed here at all.

Revision ID: 0013_pgdash
Revises: 0012_mends
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0013_pgdash"
down_revision = "0012_mends"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollup_generations",
        sa.Column("month", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("month", name="pk_rollup_generations"),
    )
    op.execute(
        "INSERT INTO rollup_generations (month, token) "
        f"SELECT m, '{uuid.uuid4().hex}' FROM (SELECT bucket_start AS m FROM rollup_authors WHERE grain = 'm' "
        "UNION SELECT bucket_start FROM rollup_terms WHERE grain = 'm') x"
    )


    # top mentions: one partial index per label in the query's whole order (see the models)
    op.drop_index("ix_messages_label_sentiment", table_name="messages")
    for label, score in (("negative", "sentiment"), ("positive", "sentiment DESC")):
        where = sa.text(f"sentiment_label = '{label}'")
        op.create_index(
            f"ix_messages_top_{label}",
            "messages",
            [sa.text(score), sa.text("created_at DESC"), sa.text("id DESC")],
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    op.drop_index("ix_messages_top_positive", table_name="messages")
    op.drop_index("ix_messages_top_negative", table_name="messages")
    op.create_index("ix_messages_label_sentiment", "messages", ["sentiment_label", "sentiment"])
    op.drop_table("rollup_generations")
