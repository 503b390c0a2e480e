"""Admin console: scoped, expiring, revocable API tokens; archived teams; invites; canned variants

Tokens get a name, scopes (NULL keeps a token made before scopes existed all-powerful until it is
revoked), an optional expiry and a revocation time, so revoking is one UPDATE that the next
request's lookup sees. An agent may carry one pending invite (only its digest and expiry). A team is
archived rather than deleted so the conversations and audit entries that name it keep their
meaning. Canned replies belong to a team (NULL: everyone) and carry per-language variants.
The audit log is read by actor, by object and by time, each through its own index.

Revision ID: 0010_admin
Revises: 0009_queue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inbox.store.models.base import UTCDateTime

revision = "0010_admin"
down_revision = "0010_traffic2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("name", sa.String(100), nullable=False, server_default=""))
    op.add_column("api_tokens", sa.Column("scopes", sa.JSON(), nullable=True))
    op.add_column("api_tokens", sa.Column("expires_at", UTCDateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("revoked_at", UTCDateTime(), nullable=True))
    op.add_column("teams", sa.Column("archived_at", UTCDateTime(), nullable=True))
    op.add_column("agents", sa.Column("invite_hash", sa.String(64), nullable=True))
    op.add_column("agents", sa.Column("invite_expires_at", UTCDateTime(), nullable=True))
    op.create_index("ix_agents_invite_hash", "agents", ["invite_hash"], unique=True)
    with op.batch_alter_table("canned_responses") as batch:
        batch.add_column(
            sa.Column(
                "team_id",
                sa.Integer(),
                sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_canned_responses_team_id_teams"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("variants", sa.JSON(), nullable=False, server_default="{}"))
    op.create_index("ix_audit_log_agent_id_at", "audit_log", ["agent_id", "at"])
    op.create_index(
        "ix_audit_log_target_at", "audit_log", ["target", "at"], postgresql_ops={"target": "text_pattern_ops"}
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_target_at", table_name="audit_log")
    op.drop_index("ix_audit_log_agent_id_at", table_name="audit_log")
    with op.batch_alter_table("canned_responses") as batch:
        batch.drop_column("variants")
        batch.drop_column("team_id")
    op.drop_index("ix_agents_invite_hash", table_name="agents")
    op.drop_column("agents", "invite_expires_at")
    op.drop_column("agents", "invite_hash")
    op.drop_column("teams", "archived_at")
    for column in ("revoked_at", "expires_at", "scopes", "name"):
        op.drop_column("api_tokens", column)
