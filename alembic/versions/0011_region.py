"""LINE, WhatsApp and WeChat: how a reply went, what the network said of it, reply tokens

* `outbox.route`: the way a network took a reply when it has several (LINE: "reply token" or
  "push API"), so an agent and a supervisor can see which replies counted against the quota.
* `outbox.network_state`, `network_error`, `network_state_at`: WhatsApp's `statuses` callbacks
  (delivered, read, failed with the reason), shown live in the thread.
* `outbox.template`: a WhatsApp template reply's name, language and variables (outside the
  24-hour window only templates may be sent).
* `reply_handles`: the newest LINE reply token per chat, used once while it is valid.

Revision ID: 0011_region
Revises: 0011_widget
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models.base

revision = "0011_region"
down_revision = "0011_widget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("route", sa.String(40), nullable=True))
    op.add_column("outbox", sa.Column("network_state", sa.String(12), nullable=True))
    op.add_column("outbox", sa.Column("network_error", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("network_state_at", inbox.store.models.base.UTCDateTime(), nullable=True))
    op.add_column("outbox", sa.Column("template", sa.JSON(), nullable=True))
    op.create_table(
        "reply_handles",
        sa.Column("channel_account_id", sa.Integer(), nullable=False),
        sa.Column("thread_key", sa.String(255), nullable=False),
        sa.Column("token", sa.String(255), nullable=False),
        sa.Column("at", inbox.store.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_account_id"],
            ["channel_accounts.id"],
            name=op.f("fk_reply_handles_channel_account_id_channel_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_account_id", "thread_key", name=op.f("pk_reply_handles")),
    )


def downgrade() -> None:
    op.drop_table("reply_handles")
    with op.batch_alter_table("outbox") as batch:
        for column in ("template", "network_state_at", "network_error", "network_state", "route"):
            batch.drop_column(column)
