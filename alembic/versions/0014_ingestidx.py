"""The two report indexes of `conversations` hold only the conversations their reports can read

`ix_conversations_first_response` (0010_reports) and `ix_conversations_resolved` (0010_reports,
0012_mends) serve the first-response and resolution reports of a period, and the survey job's
"resolved since": every one of those reads bounds `first_response_at` or `resolved_at` by a
range, so it never reads an entry whose time is NULL. Yet every new conversation (each webhook
delivery in a new thread) wrote one such entry into each, with both times NULL, among the
year's other open conversations (40,000 of them on the one-year bench, in assignee order), and
answering or resolving it moved that entry again. Now each is partial, `... IS NOT NULL`:
a conversation enters the first when it is answered and the second when it is resolved, and
leaves it when it is reopened. Both databases still read a report's period from the index alone
(a range on the time implies IS NOT NULL to SQLite's and PostgreSQL's planners), and the
unanswered or unresolved ones are read through 0012_rollups' `*_open` partial indexes as before.

Measured on copies of the one-year SQLite database (scripts/profile_year_ingest.py, main and
this revision in turn, load 7-11): the conversations INSERT of a one-message ingest took
0.43 / 0.40 ms of CPU on the year before, 0.30 / 0.29 ms after (0.17 / 0.14 ms on the empty
database either way).

Revision ID: 0014_ingestidx
Revises: 0013_cpumsg
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_ingestidx"
down_revision = "0013_cpumsg"
branch_labels = None
depends_on = None

_FIRST_RESPONSE = ["first_response_at", "first_response_agent_id", "team_id", "created_at"]
_RESOLVED = ["status", "resolved_at", "resolved_by_id", "assignee_id", "team_id", "created_at"]
_INDEXES = (
    ("ix_conversations_first_response", _FIRST_RESPONSE, sa.text("first_response_at IS NOT NULL")),
    ("ix_conversations_resolved", _RESOLVED, sa.text("resolved_at IS NOT NULL")),
)


def upgrade() -> None:
    for name, columns, where in _INDEXES:
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, columns, _ in _INDEXES:
        op.drop_index(name, table_name="conversations")
        op.create_index(name, "conversations", columns)
