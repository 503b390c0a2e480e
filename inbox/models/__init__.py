"""All models, importable from one place (Alembic reads `Base.metadata` from here)."""

from inbox.models.agents import Agent, ApiToken, CannedResponse, Label, Presence, Role, Team, agent_teams
from inbox.models.analytics import AlertState, SpikeAlert, SpikeBucket  # noqa: F401
from inbox.models.audit import AuditLog
from inbox.models.base import Base, utcnow
from inbox.models.channels import ChannelAccount
from inbox.models.conversations import (
    UNRESOLVED,
    Conversation,
    ConversationLabel,
    Direction,
    Message,
    Outbox,
    OutboxStatus,
    RuleRun,
    Status,
)
from inbox.models.customers import Customer, Identity, LifecycleTransition, Order, SurveyResponse
from inbox.models.rules import Rule, SlaEvent, SlaPolicy
from inbox.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription  # noqa: F401

__all__ = [
    "Agent",
    "ApiToken",
    "AuditLog",
    "Base",
    "CannedResponse",
    "ChannelAccount",
    "Conversation",
    "ConversationLabel",
    "Customer",
    "Direction",
    "Identity",
    "Label",
    "LifecycleTransition",
    "Message",
    "Order",
    "Outbox",
    "OutboxStatus",
    "Presence",
    "Role",
    "Rule",
    "RuleRun",
    "SlaEvent",
    "SlaPolicy",
    "Status",
    "SurveyResponse",
    "Team",
    "UNRESOLVED",
    "agent_teams",
    "utcnow",
]
