"""An index on agent_teams(team_id): routing reads one team's members per ingest batch

The primary key of agent_teams is (agent_id, team_id), so "the members of team T" had to scan
every membership; on the one-year bench (200 agents) that is small but paid on every webhook
batch, and it grows with the workspace (issue 22).

Revision ID: 0011_yearread
Revises: 0011_listening
"""

from __future__ import annotations

from alembic import op

revision = "0011_yearread"
down_revision = "0011_listening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_agent_teams_team", "agent_teams", ["team_id", "agent_id"])


def downgrade() -> None:
    op.drop_index("ix_agent_teams_team", table_name="agent_teams")
