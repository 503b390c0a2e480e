"""The weekly digest: what each brand manager chose to receive, and which weeks went out.

`DigestSend` is the ledger that makes "once per week per manager" hold with several schedulers:
the row (agent, week) is unique, so only the scheduler whose insert wins sends that week's mail.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class DigestSubscription(Base):
    """One manager's digest: the figure keys they chose (see inbox.insights.digest.figures)."""

    __tablename__ = "digest_subscriptions"

    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    figures: Mapped[list] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSend(Base):
    """A claimed week: `status` is sending, sent or failed; a failed or stale claim is taken again."""

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("agent_id", "week_start", name="uq_digest_sends_agent_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="sending")
    attempts: Mapped[int] = mapped_column(default=1)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(Text, default="")
