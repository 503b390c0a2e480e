"""The dashboard's service levels and influencers by count read from covering indexes

The service-level figures (first response and resolution: count, mean, median, met, breached,
pending, no SLA) read the conversations created in the period, filtered by channel and language.
Through `ix_conversations_created_at` each of those rows cost a lookup of the whole, wide
conversation row (its priority components, subject ...), and a year holds 100,000 of them.
`ix_conversations_service_levels` holds every column those statements read, so they read the
index alone; it starts with created_at, so it also serves everything the old index did, which
is dropped. A conversation pays one index entry rewritten when it is answered or resolved or
its SLA due times change.

"Influencers by message count" groups the period's inbound messages by author. Through
`ix_messages_created_at` every message of the period cost a lookup of its row (for direction and
author); `ix_messages_author_created` gains `direction`, so the grouped count reads that index
alone, in author order (no sort), and the by-reach EXISTS and per-author counts it already
served still read it by its first two columns. Same name, same number of indexes: a message
insert writes one slightly wider entry.

Revision ID: 0010_perfread
Revises: 0009_queue
"""

from __future__ import annotations

from alembic import op

revision = "0010_perfread"
down_revision = "0010_reports"
branch_labels = None
depends_on = None

COLUMNS = [
    "created_at",
    "channel",
    "language",
    "first_response_at",
    "first_response_due_at",
    "resolved_at",
    "resolution_due_at",
]


def upgrade() -> None:
    op.create_index("ix_conversations_service_levels", "conversations", COLUMNS)
    op.drop_index("ix_conversations_created_at", table_name="conversations")
    op.drop_index("ix_messages_author_created", table_name="messages")
    op.create_index("ix_messages_author_created", "messages", ["author_identity_id", "created_at", "direction"])


def downgrade() -> None:
    op.drop_index("ix_messages_author_created", table_name="messages")
    op.create_index("ix_messages_author_created", "messages", ["author_identity_id", "created_at"])
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])
    op.drop_index("ix_conversations_service_levels", table_name="conversations")
