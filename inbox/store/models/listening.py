"""Listening: saved queries (streams), where each is searched (sources), and what they found (mentions).

A mention is a post about the brand that nobody addressed to it: it is not work, so it lives
here and not among conversations until someone (or a rule) promotes it. A post is stored once
per network however many streams or polls find it (`uq_mentions_network_external`); which
streams found it is `mention_streams`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base, utcnow


class ListeningStream(Base):
    __tablename__ = "listening_streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    tag: Mapped[str] = mapped_column(String(20))  # brand | product | competitor
    query: Mapped[dict] = mapped_column(default=dict)  # connectors.search.query.StreamQuery.to_dict()
    # alert rules: {"volume": bool, "negative_share": float | None, "keyword": str | None}
    alerts: Mapped[dict] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ListeningSource(Base):
    """One search a stream runs on one network (one hashtag timeline, one query, one feed),
    with its own cursor and poll health, polled by the channels' poller."""

    __tablename__ = "listening_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("listening_streams.id", ondelete="CASCADE"), index=True)
    network: Mapped[str] = mapped_column(String(30))
    settings: Mapped[dict] = mapped_column(default=dict)
    # credentials come from a connected channel account of the same network, when there is one
    channel_account_id: Mapped[int | None] = mapped_column(ForeignKey("channel_accounts.id"), default=None)
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    poll_state: Mapped[dict] = mapped_column(default=dict)
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    items_stored: Mapped[int] = mapped_column(default=0)
    poll_lease_until: Mapped[datetime | None] = mapped_column(default=None)


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("network", "external_id", name="uq_mentions_network_external"),
        Index("ix_mentions_created_at", "created_at"),
        Index("ix_mentions_author", "network", "author_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network: Mapped[str] = mapped_column(String(30))
    external_id: Mapped[str] = mapped_column(String(255))
    thread_key: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(12), default="")
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_label: Mapped[str] = mapped_column(String(10), default="neutral")
    author_external_id: Mapped[str] = mapped_column(String(255))
    author_handle: Mapped[str] = mapped_column(String(255), default="")
    author_name: Mapped[str] = mapped_column(String(255), default="")
    author_url: Mapped[str] = mapped_column(String(1000), default="")
    author_followers: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), default=None)
    promoted_at: Mapped[datetime | None] = mapped_column(default=None)
    promoted_by: Mapped[str | None] = mapped_column(String(120), default=None)  # "agent:<id>" | "rule:<id>"


class MentionStream(Base):
    __tablename__ = "mention_streams"
    __table_args__ = (
        UniqueConstraint("stream_id", "mention_id", name="uq_mention_streams_stream_mention"),
        Index("ix_mention_streams_mention", "mention_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream_id: Mapped[int] = mapped_column(ForeignKey("listening_streams.id", ondelete="CASCADE"))
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    matched: Mapped[list] = mapped_column(default=list)  # the stream's terms found in the post
