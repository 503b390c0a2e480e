"""Dashboard rollups: inbound messages counted by time bucket and dimension, kept as they change.

Database triggers (migration 0009_rollups) append a `RollupPending` row for every insert,
update and delete of an inbound message and for every message of a conversation that gains or
loses a label, whatever code path writes them (the pipeline, the ORM, corrections, bulk label
edits). The rows are only appended, so concurrent ingest never waits on a shared counter row.
A job (`inbox.insights.rollups.fold`) folds them, exactly once, into `RollupMessage` and
`RollupTerm` (terms are what `inbox.insights.analytics.terms.tokenize` says, which SQL cannot
say). The dashboard reads the rollups plus the few rows still pending, never the messages of
its range.

Also here: the indexes the dashboard's top-N queries read (top mentions by sentiment, reach by
followers, an author's messages in a range), declared on the tables they index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base
from inbox.store.models.conversations import Message
from inbox.store.models.customers import Identity

HOUR, DAY, MONTH = "h", "d", "m"
ALL = ""  # conv_label of the rows that count every message (the others count one label's)


class RollupMessage(Base):
    """Inbound messages per bucket, channel, language and sentiment label, with the sum of their
    compounds (net and mean sentiment); per hour and per day for all messages, per day for each
    conversation label (a message counts under every label its conversation carries)."""

    __tablename__ = "rollup_messages"
    __table_args__ = (
        # The dashboard reads a grain, a label and a range of buckets: this key is its index.
        PrimaryKeyConstraint(
            "grain",
            "conv_label",
            "bucket_start",
            "channel",
            "language",
            "sentiment",
            name="pk_rollup_messages",
        ),
    )

    grain: Mapped[str] = mapped_column(String(1))  # HOUR or DAY
    conv_label: Mapped[str] = mapped_column(String(60))  # ALL or a conversation label
    bucket_start: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))  # "" when unknown
    sentiment: Mapped[str] = mapped_column(String(10))  # positive, neutral (also unscored), negative
    messages: Mapped[int] = mapped_column(default=0)
    scored: Mapped[int] = mapped_column(default=0)  # messages with a compound
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)


class RollupTerm(Base):
    """How many inbound texts of a day (and of a month: a year's rising terms read twelve rows
    per term, not 365) of a channel and language contain a term (document frequency)."""

    __tablename__ = "rollup_terms"
    __table_args__ = (
        PrimaryKeyConstraint("grain", "bucket_start", "channel", "language", "term", name="pk_rollup_terms"),
    )

    grain: Mapped[str] = mapped_column(String(1))  # DAY or MONTH
    bucket_start: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    term: Mapped[str] = mapped_column(String(200))
    texts: Mapped[int] = mapped_column(default=0)


class RollupPending(Base):
    """One change not yet folded: a message counted (sign 1) or uncounted (sign -1), under all
    messages (conv_label "") or under one conversation label, with the facts it was counted by."""

    __tablename__ = "rollup_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column()  # no foreign key: a deleted message is uncounted here
    conv_label: Mapped[str] = mapped_column(String(60))
    sign: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    sentiment: Mapped[str] = mapped_column(String(10))
    scored: Mapped[int] = mapped_column()
    compound: Mapped[float] = mapped_column(Float)


# Top mentions: the most negative (positive) messages come first in this index, so the query
# reads a handful of entries, not the range.
Index("ix_messages_label_sentiment", Message.sentiment_label, Message.sentiment)
# Influencers: identities by reach, each checked for a message in the range by the next index.
Index("ix_identities_followers", Identity.followers)
# with direction (migration 0010_perfread): influencers by count group a period's inbound
# messages by author from this index alone
Index("ix_messages_author_created", Message.author_identity_id, Message.created_at, Message.direction)
