"""People who work in Murmur: agents, their teams, and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.store.models.base import Base, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


class Presence(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


agent_teams = Table(
    "agent_teams",
    Base.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    # Routing reads one team's members for every ingest batch; the key starts with agent_id,
    # so without this the read scans every membership (migration 0011_yearread).
    Index("ix_agent_teams_team", "team_id", "agent_id"),
)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    routing_strategy: Mapped[str] = mapped_column(String(20), default="round_robin")
    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    # what its customers are written to in when their own language has no translation (en, th, zh-Hant...)
    default_language: Mapped[str | None] = mapped_column(String(16), default=None)
    agents: Mapped[list[Agent]] = relationship(secondary=agent_teams, back_populates="teams")


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (Index("ix_agents_invite_hash", "invite_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.AGENT.value)
    languages: Mapped[list] = mapped_column(default=list)
    capacity: Mapped[int] = mapped_column(default=10)
    presence: Mapped[str] = mapped_column(String(10), default=Presence.OFFLINE.value)
    presence_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a pending invite: the digest of its one-time link, and when that link stops working
    invite_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    invite_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    teams: Mapped[list[Team]] = relationship(secondary=agent_teams, back_populates="agents")
    # interface preferences (#20): None follows the browser (language), UTC (time zone) and the
    # language's default calendar (Thai: the Buddhist Era)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    buddhist_era: Mapped[bool | None] = mapped_column(default=None)

    @property
    def team_ids(self) -> list[int]:
        return [t.id for t in self.teams]


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 is stored.

    `scopes` None is a token made before scopes existed: it keeps every power until revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    scopes: Mapped[list | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Label(Base):
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    color: Mapped[str] = mapped_column(String(9), default="#888888")


class CannedResponse(Base):
    __tablename__ = "canned_responses"
    # A shortcut is unique within its team; team-less replies are offered to everyone, so theirs are
    # unique among themselves (the partial index) and, by `inbox.admin.canned`, against every team's.
    __table_args__ = (
        UniqueConstraint("team_id", "shortcut", name="uq_canned_responses_team_shortcut"),
        Index(
            "uq_canned_responses_global_shortcut",
            "shortcut",
            unique=True,
            sqlite_where=text("team_id IS NULL"),
            postgresql_where=text("team_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(String(4000))
    # None: offered to everyone; else to the agents of that team
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), default=None)
    # language code -> text, e.g. {"th": "..."}; `text` is the default for any other language
    variants: Mapped[dict] = mapped_column(default=dict, server_default="{}")
