"""Listening streams, their sources and the mentions they find

A stream is a saved query per team; a source is one search of it on one network with its own
cursor and health; a mention is a found post, stored once per network, not work until promoted.

Revision ID: 0011_listening
Revises: 0011_i18n
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0011_listening"
down_revision = "0011_i18n"
branch_labels = None
depends_on = None

_T = inbox.store.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "listening_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("tag", sa.String(20), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_listening_streams_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_listening_streams"),
    )
    op.create_index("ix_listening_streams_team_id", "listening_streams", ["team_id"])
    op.create_table(
        "listening_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(30), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("poll_state", sa.JSON(), nullable=False),
        sa.Column("next_poll_at", _T(), nullable=True),
        sa.Column("last_success_at", _T(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("items_stored", sa.Integer(), nullable=False),
        sa.Column("poll_lease_until", _T(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["listening_streams.id"],
            name="fk_listening_sources_stream_id_listening_streams",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name="fk_listening_sources_channel_account_id_channel_accounts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_listening_sources"),
    )
    op.create_index("ix_listening_sources_stream_id", "listening_sources", ["stream_id"])
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(30), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("thread_key", sa.String(255), nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(12), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("sentiment_label", sa.String(10), nullable=False),
        sa.Column("author_external_id", sa.String(255), nullable=False),
        sa.Column("author_handle", sa.String(255), nullable=False),
        sa.Column("author_name", sa.String(255), nullable=False),
        sa.Column("author_url", sa.String(1000), nullable=False),
        sa.Column("author_followers", sa.Integer(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("received_at", _T(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("promoted_at", _T(), nullable=True),
        sa.Column("promoted_by", sa.String(120), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name="fk_mentions_conversation_id_conversations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
        sa.UniqueConstraint("network", "external_id", name="uq_mentions_network_external"),
    )
    op.create_index("ix_mentions_created_at", "mentions", ["created_at"])
    op.create_index("ix_mentions_author", "mentions", ["network", "author_external_id"])
    op.create_table(
        "mention_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["listening_streams.id"],
            name="fk_mention_streams_stream_id_listening_streams",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mentions.id"], name="fk_mention_streams_mention_id_mentions", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mention_streams"),
        sa.UniqueConstraint("stream_id", "mention_id", name="uq_mention_streams_stream_mention"),
    )
    op.create_index("ix_mention_streams_mention", "mention_streams", ["mention_id"])


def downgrade() -> None:
    op.drop_table("mention_streams")
    op.drop_table("mentions")
    op.drop_table("listening_sources")
    op.drop_table("listening_streams")
