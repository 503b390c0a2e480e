"""Inbound deliveries waiting for a worker (scaled mode), and the lanes that order them.

A verified webhook message is written here and answered 2xx at once; a worker ingests it later
and deletes the row in the same transaction as the ingest, so a message is stored once whether
the web process, the worker or both die in between. Each message goes to one of a channel's
lanes by its conversation key, and one worker at a time drains a lane (a lease on its row), so
a conversation keeps its order while two workers drain one busy channel's other lanes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class InboundDelivery(Base):
    """One verified, parsed inbound message not yet ingested (the row goes when it is)."""

    __tablename__ = "inbound_deliveries"
    __table_args__ = (
        # a sender's retry of a message still waiting here records nothing new
        UniqueConstraint("channel_account_id", "external_id", name="uq_inbound_deliveries_channel_external"),
        # a lane is drained in arrival order
        Index("ix_inbound_deliveries_lane", "channel_account_id", "lane", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    lane: Mapped[int]
    external_id: Mapped[str] = mapped_column(String(255))
    # the normalized InboundMessage as JSON (connectors' dataclass, written by pydantic)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundLane(Base):
    """Who drains a lane of a channel's deliveries, and until when (a lease, renewed per batch)."""

    __tablename__ = "inbound_lanes"

    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    lane: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
