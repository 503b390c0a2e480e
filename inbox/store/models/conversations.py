"""Conversations and their messages: the heart of the inbox."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class Status(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


# The statuses of work still to do, for filters written as `status.in_(UNRESOLVED)` rather than
# `status != "resolved"`: as an IN list, an index on status (or on assignee and status) reads
# only these entries, which stay few, while resolved conversations pile up for ever. With
# `!=` each routing decision scanned every conversation its agents had ever handled.
UNRESOLVED = (Status.OPEN.value, Status.PENDING.value, Status.SNOOZED.value)


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "thread_key", name="uq_conversations_thread"),
        # The dashboard's service levels read only this index, for conversations created in a
        # range (migration 0010_perfread; it replaced the plain created_at index of 0008).
        Index(
            "ix_conversations_service_levels",
            "created_at",
            "channel",
            "language",
            "first_response_at",
            "first_response_due_at",
            "resolved_at",
            "resolution_due_at",
        ),
        # Load counts per agent and per customer come from these alone (migration 0006); the
        # first, and the two after it, also give the ranked list of one agent, one team or
        # everyone in rank order (migration 0009, inbox.conversations.ranked_list).
        Index(
            "ix_conversations_assignee_status", "assignee_id", "status", "rank_key", "last_message_at", "id"
        ),
        Index("ix_conversations_team_rank", "team_id", "status", "rank_key", "last_message_at", "id"),
        Index("ix_conversations_status_rank", "status", "rank_key", "last_message_at", "id"),
        Index("ix_conversations_rank_settles_at", "rank_settles_at"),  # the few still rising
        Index("ix_conversations_customer_status", "customer_id", "status"),
        # The first-response and resolution reports of a period per agent and team, from the
        # indexes alone (0010). Partial (0014_ingestidx): each report bounds its time by a range,
        # so a conversation not yet answered (resolved) is never read here, and a new one, the
        # most frequent write of all, writes neither.
        Index(
            "ix_conversations_first_response",
            "first_response_at",
            "first_response_agent_id",
            "team_id",
            "created_at",
            sqlite_where=text("first_response_at IS NOT NULL"),
            postgresql_where=text("first_response_at IS NOT NULL"),
        ),
        # ... and the survey job's "resolved since" (0008's status_resolved).
        # (0012_mends: with who resolved it, whom the resolution report credits first.)
        Index(
            "ix_conversations_resolved",
            "status",
            "resolved_at",
            "resolved_by_id",
            "assignee_id",
            "team_id",
            "created_at",
            sqlite_where=text("resolved_at IS NOT NULL"),
            postgresql_where=text("resolved_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    channel: Mapped[str] = mapped_column(String(30))
    thread_key: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(300), default="")
    public: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    status: Mapped[str] = mapped_column(String(10), default=Status.OPEN.value)
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)
    # The rank (0-100) rises while the customer waits and settles once waiting is full
    # (sentiment.rank): priority(t) = rank_key - rank_curve * max(0, rank_settles_at - t)**2.
    # `rank_key` is the value it settles at, and the exact priority of every conversation whose
    # `rank_settles_at` is NULL or past, so an index on it orders those; nothing rescans on a tick.
    priority: Mapped[float] = mapped_column(default=0.0)  # the value when last ranked
    rank_key: Mapped[float] = mapped_column(default=0.0)
    rank_curve: Mapped[float] = mapped_column(default=0.0)
    rank_settles_at: Mapped[datetime | None] = mapped_column(default=None)
    priority_components: Mapped[list] = mapped_column(default=list)
    sentiment: Mapped[float] = mapped_column(default=0.0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    assigned_manually: Mapped[bool] = mapped_column(default=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    queue_reason: Mapped[str] = mapped_column(String(200), default="")
    message_count: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_customer_message_at: Mapped[datetime | None] = mapped_column(default=None)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    # who sent that first reply: reports credit them, whoever the conversation moves to later
    first_response_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    last_agent_reply_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    next_response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # the agent who resolved it (None: a rule did, or it was resolved before 0012_mends recorded it)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationLabel(Base):
    __tablename__ = "conversation_labels"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Message(Base):
    """One message, stored once ever: (channel account, external id) is unique in the database."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_account_id", "external_id", name="uq_messages_channel_external"),
        # A conversation's messages newest first, a page at a time: keyset on (created_at, id)
        # read in index order (migration 0009).
        Index("ix_messages_conversation_created", "conversation_id", "created_at", "id"),
        # Time windows over the whole history (migration 0008): the dashboard by created_at,
        # the spike and lifecycle jobs by received_at.
        Index("ix_messages_created_at", "created_at"),
        Index("ix_messages_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None, index=True)
    direction: Mapped[str] = mapped_column(String(4))
    external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    author_identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"), default=None)
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    sentiment: Mapped[float | None] = mapped_column(default=None)
    sentiment_label: Mapped[str | None] = mapped_column(String(10), default=None)
    sentiment_reasons: Mapped[list] = mapped_column(default=list)
    sentiment_corrected_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    # which scorer produced `sentiment`: "base" or "team<id>-v<n>" (a team calibration, migration 0010)
    sentiment_model: Mapped[str | None] = mapped_column(String(24), default=None)
    public: Mapped[bool] = mapped_column(default=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255), default=None)
    # notes only: the agents an @mention reached, [{"agent_id", "handle"}] (None when there are none)
    mentions: Mapped[list | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed and handed to the network; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"


class Outbox(Base):
    """A reply waiting to leave: written in the agent's transaction, sent by a worker with retries."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel_account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id"))
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # network ids of the parts already delivered (a reply with files may be several calls), so
    # a retry sends only the rest (migration 0010_traffic2)
    parts_sent: Mapped[list | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # How the network took it when it has several ways (LINE: "reply token" or "push API"), and
    # what the network later reported (WhatsApp statuses: delivered, read, failed with why);
    # a template reply's {name, language, variables} (migration 0011_region)
    route: Mapped[str | None] = mapped_column(String(40), default=None)
    network_state: Mapped[str | None] = mapped_column(String(12), default=None)
    network_error: Mapped[str | None] = mapped_column(Text, default=None)
    network_state_at: Mapped[datetime | None] = mapped_column(default=None)
    template: Mapped[dict | None] = mapped_column(default=None)


class RuleRun(Base):
    """Why a conversation changed: the rule, what it saw, what it did."""

    __tablename__ = "rule_runs"
    # A conversation's newest runs by id (the conversation view shows 50): on PostgreSQL an index
    # on conversation_id alone read every run of a busy conversation and sorted them (0012_hotreads).
    __table_args__ = (Index("ix_rule_runs_conversation_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id", ondelete="SET NULL"), default=None)
    rule_name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(40))
    matched: Mapped[list] = mapped_column(default=list)
    actions: Mapped[list] = mapped_column(default=list)
    at: Mapped[datetime] = mapped_column(default=utcnow)
