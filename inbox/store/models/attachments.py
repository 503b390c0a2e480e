"""Attachments: one row per file a message carries, whatever became of its bytes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class AttachmentState(enum.StrEnum):
    PENDING = "pending"  # remote media still to fetch (a job does it, with retries)
    STORED = "stored"  # the bytes are in the blob store under `sha256`
    FAILED = "failed"  # the fetch gave up; `last_error` says why, the row and its link stay
    REFUSED = "refused"  # over the size limit or of a type not accepted; `last_error` says which
    LINK = "link"  # a reference to a page (a share, an external link): shown, never fetched
    EXPIRED = "expired"  # the bytes were removed after `attachments.retention_days`; the row stays


class Attachment(Base):
    """A file, image, video, sticker or link of a message, or an agent's upload for a reply.

    The row is written with its message in the ingest transaction and never deleted because a
    fetch failed, so nothing a customer sent silently disappears. `message_id` is empty only for
    an upload not yet sent with a reply (it belongs to `conversation_id` and `uploaded_by`).
    """

    __tablename__ = "attachments"
    __table_args__ = (
        # the fetch job reads due pending rows only
        Index("ix_attachments_state_next", "state", "next_attempt_at"),
        # the blob sweeper asks whether any row still references a blob (0010_traffic2)
        Index("ix_attachments_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), default=None, index=True
    )
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(127), default="")
    size: Mapped[int | None] = mapped_column(default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # a safe inline image type (image/png, jpeg, gif, webp) when the stored bytes are one
    inline_type: Mapped[str | None] = mapped_column(String(20), default=None)
    remote_url: Mapped[str | None] = mapped_column(Text, default=None)
    remote_ref: Mapped[str | None] = mapped_column(String(500), default=None)
    content_id: Mapped[str | None] = mapped_column(String(255), default=None)
    inline: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default=AttachmentState.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
