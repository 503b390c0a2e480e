"""Leftovers of the admin console: canned shortcuts per team, and who resolved a conversation

- `canned_responses`: the shortcut was unique across the workspace, so two teams could not both
  have `/refund`. Now it is unique within a team (`uq_canned_responses_team_shortcut`), and
  team-less replies, which everyone is offered, are unique among themselves
  (`uq_canned_responses_global_shortcut`, a partial index); `inbox.admin.canned` also keeps a
  team's shortcut from shadowing a team-less one.
- `conversations.resolved_by_id`: the agent who resolved it, shown in the conversation and
  credited by the resolution report (the assignee when it is not known: rows resolved before this
  revision, or by a rule). `ix_conversations_resolved` carries it so the report still reads the
  index alone.

Downgrade refuses nothing: if two teams share a shortcut by then, restoring the global unique
constraint fails, as it should, rather than deleting a team's reply.

Revision ID: 0012_mends
Revises: 0012_lang
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_mends"
down_revision = "0012_lang"
branch_labels = None
depends_on = None

_RESOLVED_OLD = ["status", "resolved_at", "assignee_id", "team_id", "created_at"]
_RESOLVED_NEW = ["status", "resolved_at", "resolved_by_id", "assignee_id", "team_id", "created_at"]
_GLOBAL = sa.text("team_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("canned_responses") as batch:
        batch.drop_constraint("uq_canned_responses_shortcut", type_="unique")
        batch.create_unique_constraint("uq_canned_responses_team_shortcut", ["team_id", "shortcut"])
    op.create_index(
        "uq_canned_responses_global_shortcut",
        "canned_responses",
        ["shortcut"],
        unique=True,
        sqlite_where=_GLOBAL,
        postgresql_where=_GLOBAL,
    )
    # Not a batch (copy-and-rename) on SQLite: the rollup triggers of 0009_rollups name the table.
    # SQLite adds a nullable column with an inline REFERENCES; PostgreSQL takes a named constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE conversations ADD COLUMN resolved_by_id INTEGER REFERENCES agents (id)")
    else:
        op.add_column("conversations", sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_conversations_resolved_by_id_agents", "conversations", "agents", ["resolved_by_id"], ["id"]
        )
    op.drop_index("ix_conversations_resolved", table_name="conversations")
    op.create_index("ix_conversations_resolved", "conversations", _RESOLVED_NEW)


def downgrade() -> None:
    op.drop_index("ix_conversations_resolved", table_name="conversations")
    op.create_index("ix_conversations_resolved", "conversations", _RESOLVED_OLD)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE conversations DROP COLUMN resolved_by_id")  # SQLite 3.35+
    else:
        op.drop_constraint("fk_conversations_resolved_by_id_agents", "conversations", type_="foreignkey")
        op.drop_column("conversations", "resolved_by_id")
    op.drop_index("uq_canned_responses_global_shortcut", table_name="canned_responses")
    with op.batch_alter_table("canned_responses") as batch:
        batch.drop_constraint("uq_canned_responses_team_shortcut", type_="unique")
        batch.create_unique_constraint("uq_canned_responses_shortcut", ["shortcut"])
