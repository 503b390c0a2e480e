"""Attachments: one row per file, image, video, sticker or link a message carries

Written with the message in the ingest transaction (e-mail bytes are already in the blob store
then; remote media is `pending` until the fetch job has it), so a file is never lost because a
fetch failed: the row keeps its name, its remote reference and why it is not stored. The fetch
job reads due pending rows through (state, next_attempt_at); a conversation's thread reads its
messages' attachments through message_id.

Revision ID: 0009_attach
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inbox.store.models.base import UTCDateTime

revision = "0009_attach"
down_revision = "0009_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE", name="fk_attachments_message_id_messages"),
            nullable=True,
        ),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey(
                "conversations.id", ondelete="CASCADE", name="fk_attachments_conversation_id_conversations"
            ),
            nullable=False,
        ),
        sa.Column(
            "channel_account_id",
            sa.Integer(),
            sa.ForeignKey("channel_accounts.id", name="fk_attachments_channel_account_id_channel_accounts"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("inline_type", sa.String(20), nullable=True),
        sa.Column("remote_url", sa.Text(), nullable=True),
        sa.Column("remote_ref", sa.String(500), nullable=True),
        sa.Column("content_id", sa.String(255), nullable=True),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "uploaded_by",
            sa.Integer(),
            sa.ForeignKey("agents.id", name="fk_attachments_uploaded_by_agents"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_message_id", "attachments", ["message_id"])
    op.create_index("ix_attachments_state_next", "attachments", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_attachments_state_next", table_name="attachments")
    op.drop_index("ix_attachments_message_id", table_name="attachments")
    op.drop_table("attachments")
