"""Reports per agent and per team: who answered first, and indexes that answer a year quickly

A conversation that is reassigned after its first reply would credit its first response to the
new assignee; `first_response_agent_id` keeps the agent whose reply was first (set with
`first_response_at` in `inbox.conversations.replies.queue_reply`). Existing rows take the
author of their first outbound message.

`ix_conversations_first_response` and `ix_conversations_resolved` cover the two time reports
(the period's column first, then who is credited, the team and the created time, so the rows
themselves are not read). The second starts with status and resolved time, so it replaces
`ix_conversations_status_resolved` (0008) for the survey job and status filters as well;
`ix_survey_responses_answered_at` gives the answers of a period
with what the reports count of them (kind, rating, agent, conversation), again from the index alone.

Revision ID: 0010_reports
Revises: 0009_queue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_reports"
down_revision = "0010_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not a batch (copy-and-rename) on SQLite: the rollup triggers of 0009_rollups name the table.
    # SQLite adds a nullable column with an inline REFERENCES; PostgreSQL takes a named constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE conversations ADD COLUMN first_response_agent_id INTEGER REFERENCES agents (id)"
        )
    else:
        op.add_column("conversations", sa.Column("first_response_agent_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_conversations_first_response_agent_id_agents",
            "conversations",
            "agents",
            ["first_response_agent_id"],
            ["id"],
        )
    op.execute(
        "UPDATE conversations SET first_response_agent_id = ("
        " SELECT m.author_agent_id FROM messages m"
        " WHERE m.conversation_id = conversations.id AND m.direction = 'out'"
        " ORDER BY m.created_at, m.id LIMIT 1)"
        " WHERE first_response_at IS NOT NULL"
    )
    op.create_index(
        "ix_conversations_first_response",
        "conversations",
        ["first_response_at", "first_response_agent_id", "team_id", "created_at"],
    )
    op.create_index(
        "ix_conversations_resolved",
        "conversations",
        ["status", "resolved_at", "assignee_id", "team_id", "created_at"],
    )
    op.drop_index("ix_conversations_status_resolved", table_name="conversations")
    op.create_index(
        "ix_survey_responses_answered_at",
        "survey_responses",
        ["answered_at", "kind", "rating", "agent_id", "conversation_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_answered_at", table_name="survey_responses")
    op.create_index("ix_conversations_status_resolved", "conversations", ["status", "resolved_at"])
    op.drop_index("ix_conversations_resolved", table_name="conversations")
    op.drop_index("ix_conversations_first_response", table_name="conversations")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE conversations DROP COLUMN first_response_agent_id")  # SQLite 3.35+
    else:
        op.drop_constraint(
            "fk_conversations_first_response_agent_id_agents", "conversations", type_="foreignkey"
        )
        op.drop_column("conversations", "first_response_agent_id")
