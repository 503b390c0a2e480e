"""Per-team sentiment calibrations learnt from agents' corrections (inbox.sentiment_models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class SentimentCalibration(Base):
    """One fitted calibration of one team: its parameters, its held-back figures and its state.

    `status`: "active" (at most one per team: new messages of the team are scored through it),
    "rejected" (not better than the base on the held-back corrections: never used),
    "superseded" (was active, a newer one replaced it) or "rolled_back" (a supervisor undid it).
    """

    __tablename__ = "sentiment_calibrations"
    __table_args__ = (UniqueConstraint("team_id", "version", name="uq_sentiment_calibrations_team_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(12))
    params: Mapped[dict] = mapped_column(default=dict)
    figures: Mapped[dict] = mapped_column(default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
