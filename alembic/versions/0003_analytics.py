"""dashboard, spikes, lifecycle, surveys (issue 7)

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa

import inbox.store.models.base
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_states")),
        sa.UniqueConstraint("key", name="uq_alert_states_key"),
    )
    op.create_table(
        "spike_buckets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=200), nullable=False),
        sa.Column("bucket_start", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_buckets")),
        sa.UniqueConstraint("series", "bucket_start", name="uq_spike_buckets_series_bucket"),
    )
    op.create_table(
        "spike_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("bucket_start", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("bucket_seconds", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_alerts")),
        sa.UniqueConstraint("series", "bucket_start", name="uq_spike_alerts_series_bucket"),
    )
    op.create_index(op.f("ix_spike_alerts_channel"), "spike_alerts", ["channel"])
    op.create_index(op.f("ix_spike_alerts_bucket_start"), "spike_alerts", ["bucket_start"])


def downgrade() -> None:
    op.drop_index(op.f("ix_spike_alerts_bucket_start"), table_name="spike_alerts")
    op.drop_index(op.f("ix_spike_alerts_channel"), table_name="spike_alerts")
    op.drop_table("spike_alerts")
    op.drop_table("spike_buckets")
    op.drop_table("alert_states")
