"""What Murmur knows of a website visitor beyond their messages: what they have read, what was mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class WidgetVisitor(Base):
    """One visitor of one widget. `seen_message_id`: the newest message their chat showed them;
    `mailed_message_id`: the newest reply sent to them by e-mail because they had left;
    `mailing_until`: a follow-up job's claim while it sends (so two schedulers send once)."""

    __tablename__ = "widget_visitors"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "visitor_id", name="uq_widget_visitors_visitor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(String(64))
    seen_message_id: Mapped[int] = mapped_column(default=0)
    mailed_message_id: Mapped[int] = mapped_column(default=0)
    mailing_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
