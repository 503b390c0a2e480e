"""All models, importable from one place (Alembic reads `Base.metadata` from here)."""

from inbox.store.models.agents import (
    Agent,
    ApiToken,
    CannedResponse,
    Label,
    Presence,
    Role,
    Team,
    agent_teams,
)
from inbox.store.models.analytics import AlertState, SpikeAlert, SpikeBucket  # noqa: F401
from inbox.store.models.attachments import Attachment, AttachmentState
from inbox.store.models.audit import AuditLog
from inbox.store.models.base import Base, utcnow
from inbox.store.models.channels import ChannelAccount
from inbox.store.models.conversations import (
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
from inbox.store.models.customers import Customer, Identity, LifecycleTransition, Order, SurveyResponse
from inbox.store.models.digests import DigestSend, DigestSubscription
from inbox.store.models.inbound import InboundDelivery, InboundLane
from inbox.store.models.listening import ListeningSource, ListeningStream, Mention, MentionStream
from inbox.store.models.reply_handles import ReplyHandle
from inbox.store.models.rollups import (
    RollupAuthor,
    RollupGeneration,
    RollupMessage,
    RollupPending,
    RollupService,
    RollupServicePending,
    RollupTerm,
)
from inbox.store.models.rules import Rule, SlaEvent, SlaPolicy
from inbox.store.models.sentiment_models import SentimentCalibration
from inbox.store.models.versions import SettingsVersion
from inbox.store.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription  # noqa: F401
from inbox.store.models.widget import WidgetVisitor  # noqa: F401

__all__ = [
    "Agent",
    "Attachment",
    "ReplyHandle",
    "AttachmentState",
    "ApiToken",
    "AuditLog",
    "Base",
    "CannedResponse",
    "ChannelAccount",
    "Conversation",
    "ConversationLabel",
    "Customer",
    "DigestSend",
    "DigestSubscription",
    "Direction",
    "Identity",
    "InboundDelivery",
    "InboundLane",
    "Label",
    "ListeningSource",
    "ListeningStream",
    "Mention",
    "MentionStream",
    "LifecycleTransition",
    "Message",
    "Order",
    "Outbox",
    "OutboxStatus",
    "Presence",
    "Role",
    "SettingsVersion",
    "RollupAuthor",
    "RollupGeneration",
    "RollupMessage",
    "RollupPending",
    "RollupService",
    "RollupServicePending",
    "RollupTerm",
    "Rule",
    "RuleRun",
    "SentimentCalibration",
    "SlaEvent",
    "SlaPolicy",
    "Status",
    "SurveyResponse",
    "Team",
    "UNRESOLVED",
    "agent_teams",
    "utcnow",
]
