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

from sqlalchemy import Float, Index, PrimaryKeyConstraint, String, text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models.base import Base
from inbox.store.models.conversations import Conversation, Message
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
    # the message's author (migration 0012_rollups), for `RollupAuthor`; None for older rows
    author_identity_id: Mapped[int | None] = mapped_column(default=None)


class RollupAuthor(Base):
    """Inbound messages (and the negative ones) of one author per day and per month, channel and
    language (migration 0012_rollups): "top authors" of any period sum these rows, read with the
    same signed month/day spans as `RollupTerm`, instead of grouping the period's messages."""

    __tablename__ = "rollup_authors"
    __table_args__ = (
        # language before the time: a period without a language filter reads the "*" rows
        # only, in key order; on SQLite the rows are the key's own (no rowid), so a read is one
        # index range, with no lookup per row
        PrimaryKeyConstraint(
            "grain", "language", "bucket_start", "author_identity_id", "channel", name="pk_rollup_authors"
        ),
        {"sqlite_with_rowid": False},
    )

    grain: Mapped[str] = mapped_column(String(1))  # DAY or MONTH
    bucket_start: Mapped[datetime] = mapped_column()
    author_identity_id: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    messages: Mapped[int] = mapped_column(default=0)
    negative: Mapped[int] = mapped_column(default=0)


class RollupService(Base):
    """Conversations created per day and per month, channel and language, for first response
    (kind "f") and resolution ("r") (migration 0012_rollups). A `slot` >= 0 is a bucket of the
    log-scaled histogram of answer times (`inbox.insights.rollup_reads.durations`), with the
    sum of its seconds (means are exact, medians estimated); a negative slot counts an SLA
    outcome (`OUTCOME_SLOTS`)."""

    __tablename__ = "rollup_service"
    __table_args__ = (
        PrimaryKeyConstraint(
            "grain", "bucket_start", "channel", "language", "kind", "slot", name="pk_rollup_service"
        ),
        {"sqlite_with_rowid": False},
    )

    grain: Mapped[str] = mapped_column(String(1))  # DAY or MONTH
    bucket_start: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(1))
    slot: Mapped[int] = mapped_column()
    conversations: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class RollupServicePending(Base):
    """One conversation counted (sign 1) or uncounted (sign -1) for the service rollups, with the
    times it is counted by; appended by triggers on `conversations` (migration 0012_rollups)."""

    __tablename__ = "rollup_service_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column()  # no foreign key: a deleted one is uncounted here
    sign: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)


class RollupGeneration(Base):
    """A token per month that changes whenever a fold changes that month's `RollupAuthor` or
    `RollupTerm` rows (migration 0013_pgdash). Readers may keep what they summed over whole months and reuse it
    while every month's token is the one they summed under (`inbox.insights.dashboard_rollups.
    month_cache`). Tokens are random, never counted up, so a table emptied and refilled (tests,
    a restored copy) cannot hand a reader an old token for new rows."""

    __tablename__ = "rollup_generations"

    month: Mapped[datetime] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


FIRST_RESPONSE, RESOLUTION = "f", "r"
# The negative slots of `RollupService`: answered by the due time, answered after it, not
# answered and due (breached or still pending: that depends on the time of the question), no SLA.
MET, LATE, OPEN, NO_SLA = -1, -2, -3, -4
OUTCOME_SLOTS = (MET, LATE, OPEN, NO_SLA)


# Top mentions: the most negative (positive) messages come first in this index, so the query
# reads a handful of entries, not the range.
# Since 0013_pgdash one partial index per label, in the full order of the query (score, then
# newest first, then id): sentiment scores come in few distinct values, and with (label, score)
# alone PostgreSQL read and sorted the whole tie at the top score of a year (6,918 positive
# messages, each joined to its conversation) to return five.
_TOP_NEGATIVE = text("sentiment_label = 'negative'")
_TOP_POSITIVE = text("sentiment_label = 'positive'")
Index(
    "ix_messages_top_negative",
    Message.sentiment,
    Message.created_at.desc(),
    Message.id.desc(),
    sqlite_where=_TOP_NEGATIVE,
    postgresql_where=_TOP_NEGATIVE,
)
Index(
    "ix_messages_top_positive",
    Message.sentiment.desc(),
    Message.created_at.desc(),
    Message.id.desc(),
    sqlite_where=_TOP_POSITIVE,
    postgresql_where=_TOP_POSITIVE,
)
# Influencers: identities by reach, each checked for a message in the range by the next index.
Index("ix_identities_followers", Identity.followers)
# with direction (migration 0010_perfread): influencers by count group a period's inbound
# messages by author from this index alone
Index("ix_messages_author_created", Message.author_identity_id, Message.created_at, Message.direction)
# SLA "pending" (not answered, due after now) is the one figure a rollup cannot keep, since it
# changes with the clock: these partial indexes hold only the unanswered conversations by due
# time, so counting those due after now reads a few entries (migration 0012_rollups).
Index(
    "ix_conversations_first_response_open",
    Conversation.first_response_due_at,
    sqlite_where=Conversation.first_response_at.is_(None),
    postgresql_where=Conversation.first_response_at.is_(None),
)
Index(
    "ix_conversations_resolution_open",
    Conversation.resolution_due_at,
    sqlite_where=Conversation.resolved_at.is_(None),
    postgresql_where=Conversation.resolved_at.is_(None),
)
