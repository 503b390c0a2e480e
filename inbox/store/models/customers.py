"""Customers and their identities: one person, many handles across networks."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.store.models.base import Base, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), default=None, index=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default="awareness")
    vip: Mapped[bool] = mapped_column(default=False)
    clv: Mapped[float] = mapped_column(default=0.0)
    rfm_segment: Mapped[str | None] = mapped_column(String(30), default=None)
    # The 1-5 recency and frequency scores behind the segment (0011), so the RFM grid and its cells'
    # customer lists are a GROUP BY and a WHERE, not a recomputation over every order.
    rfm_recency: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    rfm_frequency: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    attributes: Mapped[dict] = mapped_column(default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), default=None)
    # "network<US>external id" of the identity this customer was first seen as: provenance, and the
    # natural key that lets a batch insert of customers be matched to its identities without
    # row-ordered RETURNING (which SQLite can only do one row at a time).
    first_identity_key: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)

    identities: Mapped[list[Identity]] = relationship(back_populates="customer")


class Identity(Base):
    """A handle on one network. Unique per (network, external id) whatever account saw it."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identities_channel_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(30))
    external_id: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255), default="")
    display_name: Mapped[str] = mapped_column(String(255), default="")
    profile_url: Mapped[str] = mapped_column(String(1000), default="")
    followers: Mapped[int] = mapped_column(default=0)
    verified: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(String(254), default=None, index=True)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("external_id", name="uq_orders_external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    ordered_at: Mapped[datetime] = mapped_column(index=True)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    # The answers of a period with what reports count of them, from the index alone (0010).
    __table_args__ = (
        Index(
            "ix_survey_responses_answered_at", "answered_at", "kind", "rating", "agent_id", "conversation_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), default=None)
    kind: Mapped[str] = mapped_column(String(4))  # "csat" | "nps"
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rating: Mapped[int | None] = mapped_column(default=None)
    comment: Mapped[str] = mapped_column(String(4000), default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class LifecycleTransition(Base):
    __tablename__ = "lifecycle_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
