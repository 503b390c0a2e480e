"""Indexes for the queries that read a window of time out of the whole history

The dashboard reads the inbound messages of a time range, the spike job (every 30 s) and the
lifecycle job (every 5 min) the messages received since their last run, the survey job (every
minute) the conversations resolved in the last week, and the service levels the conversations
created in a range. Without these each of them read every message or conversation ever stored,
the jobs inside a write transaction; with them they read the window. The plain status index
becomes (status, resolved_at), which serves status filters as before and the survey job too.
A message insert pays for two more index entries, a new conversation for one: about 4% of the
ingest benchmark (A/B on English text), the price of not reading the whole history.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_index("ix_messages_received_at", "messages", ["received_at"])
    op.create_index("ix_conversations_created_at", "conversations", ["created_at"])
    op.create_index("ix_conversations_status_resolved", "conversations", ["status", "resolved_at"])
    op.drop_index("ix_conversations_status", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_status", "conversations", ["status"])
    op.drop_index("ix_conversations_status_resolved", table_name="conversations")
    op.drop_index("ix_conversations_created_at", table_name="conversations")
    op.drop_index("ix_messages_received_at", table_name="messages")
    op.drop_index("ix_messages_created_at", table_name="messages")
