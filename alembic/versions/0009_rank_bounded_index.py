"""Priority bounded 0-100, and the ranked list answered from an index

The rank's waiting part grew linearly for ever (`priority_anchor + priority_rate * now`): a
277-day-old e-mail scored 66,624, and no index could order the expression, so the ranked list
read and sorted every open conversation of every team to return 50. Now waiting saturates
(sentiment.rank), and a conversation stores the value it settles at (`rank_key`), the curve it
rises along and when it settles (`rank_curve`, `rank_settles_at`). Every conversation that is
not still rising has priority == rank_key, so these indexes give the top of any team, agent or
status in order; the few still rising are found by `rank_settles_at`.

`ix_conversations_assignee_status` keeps its name and leading columns (the routing load counts
read it as before) and gains the rank columns; `ix_conversations_team_rank` replaces the plain
`team_id` index.

Existing rows: their static part (`priority_base`) is kept, plus the full waiting weight for
those still waiting, bounded to 0-100, as a settled value; their next message re-ranks them.

Revision ID: 0009_rank
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inbox.store.models.base import UTCDateTime

revision = "0009_rank"
down_revision = "0008"
branch_labels = None
depends_on = None

_WAITING_WEIGHT = 25.0  # sentiment.rank.DEFAULT_WEIGHTS["waiting"] when this was written


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("rank_key", sa.Double(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("rank_curve", sa.Double(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("rank_settles_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE conversations SET rank_key = CASE"
        f" WHEN priority_base + CASE WHEN waiting_since IS NULL THEN 0 ELSE {_WAITING_WEIGHT} END > 100"
        " THEN 100"
        f" WHEN priority_base + CASE WHEN waiting_since IS NULL THEN 0 ELSE {_WAITING_WEIGHT} END < 0"
        " THEN 0"
        f" ELSE priority_base + CASE WHEN waiting_since IS NULL THEN 0 ELSE {_WAITING_WEIGHT} END END"
    )
    op.execute("UPDATE conversations SET priority = rank_key")
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("rank_key", server_default=None)
        batch.alter_column("rank_curve", server_default=None)
        batch.drop_index("ix_conversations_team_id")
        batch.drop_index("ix_conversations_assignee_status")
        batch.drop_column("priority_anchor")
        batch.drop_column("priority_rate")
        batch.drop_column("priority_base")
    op.create_index(
        "ix_conversations_assignee_status",
        "conversations",
        ["assignee_id", "status", "rank_key", "last_message_at", "id"],
    )
    op.create_index(
        "ix_conversations_team_rank",
        "conversations",
        ["team_id", "status", "rank_key", "last_message_at", "id"],
    )
    op.create_index(
        "ix_conversations_status_rank", "conversations", ["status", "rank_key", "last_message_at", "id"]
    )
    op.create_index("ix_conversations_rank_settles_at", "conversations", ["rank_settles_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_rank_settles_at", table_name="conversations")
    op.drop_index("ix_conversations_status_rank", table_name="conversations")
    op.drop_index("ix_conversations_team_rank", table_name="conversations")
    op.drop_index("ix_conversations_assignee_status", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("priority_base", sa.Double(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("priority_rate", sa.Double(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("priority_anchor", sa.Double(), nullable=False, server_default="0"))
    op.execute("UPDATE conversations SET priority_base = rank_key, priority_anchor = rank_key")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("rank_settles_at")
        batch.drop_column("rank_curve")
        batch.drop_column("rank_key")
    op.create_index("ix_conversations_assignee_status", "conversations", ["assignee_id", "status"])
    op.create_index("ix_conversations_team_id", "conversations", ["team_id"])
