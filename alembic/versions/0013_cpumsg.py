"""The `calibration` row of `settings_versions` (migration 0011_scaled): each team's active
sentiment calibration is kept per process under it (`inbox.sentiment_models.service`), so an
ingest batch no longer reads it; any write to `sentiment_calibrations` moves the token. Without
the row it would be read by every batch, as before.

Revision ID: 0013_cpumsg
Revises: 0012_mends
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0013_cpumsg"
down_revision = "0013_pgdash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = sa.table("settings_versions", sa.column("name", sa.String), sa.column("token", sa.String))
    op.execute(versions.delete().where(versions.c.name == "calibration"))
    op.bulk_insert(versions, [{"name": "calibration", "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.execute("DELETE FROM settings_versions WHERE name = 'calibration'")
