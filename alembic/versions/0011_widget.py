"""Website visitors: what each has read and which replies were mailed to them after they left

Revision ID: 0011_widget
Revises: 0010_sentiment
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0011_widget"
down_revision = "0010_sentiment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widget_visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel_account_id",
            sa.Integer(),
            sa.ForeignKey(
                "channel_accounts.id", ondelete="CASCADE", name="fk_widget_visitors_channel_account_id_channel_accounts"
            ),
            nullable=False,
        ),
        sa.Column("visitor_id", sa.String(64), nullable=False),
        sa.Column("seen_message_id", sa.Integer(), nullable=False),
        sa.Column("mailed_message_id", sa.Integer(), nullable=False),
        sa.Column("mailing_until", inbox.store.models.base.UTCDateTime(), nullable=True),
        sa.Column("updated_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_widget_visitors"),
        sa.UniqueConstraint("channel_account_id", "visitor_id", name="uq_widget_visitors_visitor"),
    )


def downgrade() -> None:
    op.drop_table("widget_visitors")
