"""Conversation indexes the inbox never reads, dropped: two fewer to write per conversation

The inbox sorts by the rank's stored expression (`priority_anchor + priority_rate * now`), which
no index on either column can order, so `ix_conversations_priority_anchor` answered no query;
and `ix_conversations_status_priority` was rewritten at every ingest (the priority changes with
every message) to serve a status filter that a plain `status` index serves as well.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_status", "conversations", ["status"])
    op.drop_index("ix_conversations_status_priority", table_name="conversations")
    op.drop_index("ix_conversations_priority_anchor", table_name="conversations")


def downgrade() -> None:
    op.create_index("ix_conversations_priority_anchor", "conversations", ["priority_anchor"])
    op.create_index("ix_conversations_status_priority", "conversations", ["status", "priority"])
    op.drop_index("ix_conversations_status", table_name="conversations")
