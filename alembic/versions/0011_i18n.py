"""Interface languages: each agent's language, time zone and calendar

An agent reads Murmur in the language of their profile (else their browser's), sees times in their own
time zone, and a Thai agent may switch the Buddhist Era calendar off. NULL keeps the defaults.

Revision ID: 0011_i18n
Revises: 0011_scaled
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_i18n"
down_revision = "0011_scaled"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("buddhist_era", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("buddhist_era")
        batch.drop_column("timezone")
        batch.drop_column("locale")
