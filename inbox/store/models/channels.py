"""Channel accounts: a connected network account, its encrypted secrets, cursor and health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class ChannelAccount(Base):
    __tablename__ = "channel_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    settings: Mapped[dict] = mapped_column(default=dict)
    secrets_encrypted: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    poll_interval_seconds: Mapped[int] = mapped_column(default=60)
    # health, shown in the API and the admin page
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    items_fetched: Mapped[int] = mapped_column(default=0)
    items_stored: Mapped[int] = mapped_column(default=0)
    poll_state: Mapped[dict] = mapped_column(default=dict)
    poll_lease_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
