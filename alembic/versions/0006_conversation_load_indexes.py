"""Conversation indexes that answer the pipeline's load counts from the index alone

Every ingest batch counts each agent's open conversations (routing capacity) and each
customer's open conversations (rules, rank). With single-column indexes on assignee_id and
customer_id, SQLite read every matching table row to test its status; (assignee_id, status) and
(customer_id, status) answer both counts from the index. The single-column indexes are their
prefixes, so they go, and so does ix_conversations_channel_account_id, a prefix of
uq_conversations_thread: one index fewer to write for every new conversation.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_assignee_status", "conversations", ["assignee_id", "status"])
    op.create_index("ix_conversations_customer_status", "conversations", ["customer_id", "status"])
    op.drop_index("ix_conversations_assignee_id", table_name="conversations")
    op.drop_index("ix_conversations_customer_id", table_name="conversations")
    op.drop_index("ix_conversations_channel_account_id", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_channel_account_id", "conversations", ["channel_account_id"])
    op.create_index("ix_conversations_customer_id", "conversations", ["customer_id"])
    op.create_index("ix_conversations_assignee_id", "conversations", ["assignee_id"])
    op.drop_index("ix_conversations_customer_status", table_name="conversations")
    op.drop_index("ix_conversations_assignee_status", table_name="conversations")
