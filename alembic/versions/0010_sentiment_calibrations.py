"""Per-team sentiment calibrations, and which model produced each message's score

Agents' corrections train a small calibration per team (inbox.sentiment_models); a message
records the scorer that produced its sentiment ("base" or "team<id>-v<n>") so a rollback or a
later audit can tell the scores apart.

Revision ID: 0010_sentiment
Revises: 0009_queue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0010_sentiment"
down_revision = "0010_perfread"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "team_id",
            sa.Integer(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_sentiment_calibrations_team_id_teams"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("agents.id", name="fk_sentiment_calibrations_created_by_agents"),
            nullable=True,
        ),
        sa.Column("created_at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sentiment_calibrations"),
        sa.UniqueConstraint("team_id", "version", name="uq_sentiment_calibrations_team_version"),
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sentiment_model", sa.String(24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sentiment_model")
    op.drop_table("sentiment_calibrations")
