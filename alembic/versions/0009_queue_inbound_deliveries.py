"""Inbound deliveries recorded for workers, and the lanes that keep a conversation in order

In scaled mode a verified webhook message is written to `inbound_deliveries` and answered at
once; a Celery worker ingests it and deletes the row in the ingest's own transaction. Each
message goes to one lane of its channel by its conversation key; `inbound_lanes` holds the lease
of the one worker draining a lane, so a busy channel is drained by several workers in parallel
without reordering a conversation (the per-channel advisory lock this replaces serialized them).

Revision ID: 0009_queue
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0009_queue"
down_revision = "0009_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_account_id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_inbound_deliveries_channel_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_deliveries")),
        sa.UniqueConstraint(
            "channel_account_id", "external_id", name="uq_inbound_deliveries_channel_external"
        ),
    )
    op.create_index(
        "ix_inbound_deliveries_lane", "inbound_deliveries", ["channel_account_id", "lane", "id"]
    )
    op.create_table(
        "inbound_lanes",
        sa.Column("channel_account_id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("lease_until", inbox.store.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_inbound_lanes_channel_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_account_id", "lane", name=op.f("pk_inbound_lanes")),
    )


def downgrade() -> None:
    op.drop_table("inbound_lanes")
    op.drop_index("ix_inbound_deliveries_lane", table_name="inbound_deliveries")
    op.drop_table("inbound_deliveries")
