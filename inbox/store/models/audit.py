"""Who changed what, for admins and supervisors to trace every change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"
    # the audit page filters by actor or by object, newest first
    __table_args__ = (
        Index("ix_audit_log_agent_id_at", "agent_id", "at"),
        # text_pattern_ops: PostgreSQL serves `target LIKE 'team:%'` (every team) from it too
        Index("ix_audit_log_target_at", "target", "at", postgresql_ops={"target": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
