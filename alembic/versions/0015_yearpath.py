"""The two top-mention indexes hold only the strongly scored messages of their label

`ix_messages_top_negative` / `_positive` (0013_pgdash) serve one reader, the dashboard's top
mentions over a long period (`inbox.insights.reporting.top_messages`), and every inbound message
with a label wrote one entry into one of them, at the head of its score's run: a random place
in a large index. On the one-year SQLite bench (1,000,000 messages, indexes built whole, so
their pages are full) nearly every such entry split a page: per one-message ingest the two
indexes wrote 4.4 WAL frames and 3.0 distinct pages on the year against 0.8 and 0.0 on an empty
database, the largest year-only cost of an insert (counted from the WAL's frame headers, which
do not move with the machine's load).

Now each holds the messages scored at least `TOP_FLOOR` (0.95) away from zero: 103,360 of
340,486 negative and 64,221 of 259,359 positive messages on the year. Every entry sorts before
every message left out, so the first five entries that match a period's filters are exactly the
period's top five; a period with fewer than five such messages is answered by its time index
(one more statement). Short periods (7 days or less) read their messages by time as before.

Revision ID: 0015_yearpath
Revises: 0014_ingestidx
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0015_yearpath"
down_revision = "0014_ingestidx"
branch_labels = None
depends_on = None

_FLOOR = "0.95"  # inbox.store.models.rollups.TOP_FLOOR when this revision was written
_NEGATIVE = ["sentiment", sa.text("created_at DESC"), sa.text("id DESC")]
_POSITIVE = [sa.text("sentiment DESC"), sa.text("created_at DESC"), sa.text("id DESC")]


def _create(strong: bool) -> None:
    for label, columns, bound in (("negative", _NEGATIVE, f"sentiment <= -{_FLOOR}"),
                                  ("positive", _POSITIVE, f"sentiment >= {_FLOOR}")):  # fmt: skip
        where = sa.text(f"sentiment_label = '{label}'" + (f" AND {bound}" if strong else ""))
        op.create_index(
            f"ix_messages_top_{label}", "messages", columns, sqlite_where=where, postgresql_where=where
        )


def _drop() -> None:
    op.drop_index("ix_messages_top_positive", table_name="messages")
    op.drop_index("ix_messages_top_negative", table_name="messages")


def upgrade() -> None:
    _drop()
    _create(strong=True)


def downgrade() -> None:
    _drop()
    _create(strong=False)
