"""Stored escalation rules and SLA policies (their logic lives in the escalation leaf)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class Rule(Base):
    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(40))
    match: Mapped[str] = mapped_column(String(3), default="all")
    conditions: Mapped[list] = mapped_column(default=list)
    actions: Mapped[list] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaPolicy(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    channel: Mapped[str | None] = mapped_column(String(30), default=None)
    customer_tier: Mapped[str | None] = mapped_column(String(20), default=None)
    first_response_minutes: Mapped[int] = mapped_column(default=60)
    next_response_minutes: Mapped[int | None] = mapped_column(default=None)
    resolution_minutes: Mapped[int | None] = mapped_column(default=None)
    calendar: Mapped[dict] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)


class SlaEvent(Base):
    """A warning or breach that fired; the unique key makes it fire once across processes."""

    __tablename__ = "sla_events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "kind", "event", "due_at", name="uq_sla_events_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
