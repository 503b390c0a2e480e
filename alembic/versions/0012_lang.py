"""Teams' default language: what a customer is written to in when their own language has no translation

Surveys, canned and automatic replies and mails use the conversation's language when Murmur (or the
canned reply) has it, else the team's default language (a tag: en, th, zh-Hant, zh-Hans), else the
default text. NULL keeps the old behaviour (the default text).

Revision ID: 0012_lang
Revises: 0012_hotreads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_lang"
down_revision = "0012_hotreads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("default_language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("default_language")
