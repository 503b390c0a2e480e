"""Version tokens of the settings each ingest batch reads, so workers may cache them

Rules, SLA policies, agents and teams, and webhook subscriptions were read by every drain of
a lane; a write to them now sets its concern's token (inbox.store.settings_cache) and a worker
reloads a concern only when its token changed.

Revision ID: 0011_scaled
Revises: 0011_customers
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011_scaled"
down_revision = "0011_customers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings_versions",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_settings_versions"),
    )
    # A token for every concern, so the settings are cached from the start.
    op.bulk_insert(
        sa.table("settings_versions", sa.column("name", sa.String), sa.column("token", sa.String)),
        [{"name": name, "token": uuid.uuid4().hex} for name in ("rules", "sla", "agents", "subscriptions")],
    )


def downgrade() -> None:
    op.drop_table("settings_versions")
