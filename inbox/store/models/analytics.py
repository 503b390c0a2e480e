"""Analytics state: persisted spike detectors, their claimed buckets, alerts, and job watermarks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class AlertState(Base):
    """One persisted state per key: a spike detector ("negative:<channel>") or a job watermark ("job:<name>").

    Jobs lock this row (SELECT ... FOR UPDATE on PostgreSQL; SQLite serializes writers) so two
    schedulers running the same job take turns instead of doing the work twice.
    """

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("key", name="uq_alert_states_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    state: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpikeBucket(Base):
    """A bucket of a series that a job run has claimed and fed to the detector: claimed once, ever."""

    __tablename__ = "spike_buckets"
    __table_args__ = (UniqueConstraint("series", "bucket_start", name="uq_spike_buckets_series_bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(200))
    bucket_start: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column(default=0)


class SpikeAlert(Base):
    """An unusual rise of negative messages on a channel, with the messages that caused it."""

    __tablename__ = "spike_alerts"
    __table_args__ = (UniqueConstraint("series", "bucket_start", name="uq_spike_alerts_series_bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(30), index=True)
    bucket_start: Mapped[datetime] = mapped_column(index=True)
    bucket_seconds: Mapped[int] = mapped_column()
    count: Mapped[int] = mapped_column()
    baseline: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    message_ids: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
