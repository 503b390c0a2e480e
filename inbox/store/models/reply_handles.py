"""Reply handles: a network's short-lived right to answer a chat (LINE's reply token).

One row per conversation key of a channel, replaced by each newer event and deleted when a reply
uses it; the outbox reads it to choose the free reply over the counted push (migration
0011_region).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base


class ReplyHandle(Base):
    """The newest reply token of one chat, and when its event happened."""

    __tablename__ = "reply_handles"

    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    thread_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    token: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
