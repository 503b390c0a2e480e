"""Customers page and weekly digest: RFM scores on customers, digest choices and the sends ledger

The RFM grid groups customers by their recency and frequency scores, which were computed and
thrown away (only the segment name was kept); two small columns keep them. A digest subscription
holds the figure keys a manager chose; `digest_sends` is unique per (agent, week) so two
schedulers cannot both send one week's digest.

Revision ID: 0011_customers
Revises: 0011_region
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0011_customers"
down_revision = "0011_region"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("rfm_recency", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("rfm_frequency", sa.SmallInteger(), nullable=True))
    op.create_table(
        "digest_subscriptions",
        sa.Column(
            "agent_id",
            sa.Integer(),
            sa.ForeignKey("agents.id", ondelete="CASCADE", name="fk_digest_subscriptions_agent_id_agents"),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("updated_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", name="pk_digest_subscriptions"),
    )
    op.create_table(
        "digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "agent_id",
            sa.Integer(),
            sa.ForeignKey("agents.id", ondelete="CASCADE", name="fk_digest_sends_agent_id_agents"),
            nullable=False,
        ),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", inbox.store.models.base.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_sends"),
        sa.UniqueConstraint("agent_id", "week_start", name="uq_digest_sends_agent_week"),
    )


def downgrade() -> None:
    op.drop_table("digest_sends")
    op.drop_table("digest_subscriptions")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("rfm_frequency")
        batch.drop_column("rfm_recency")
