"""Response models: what each endpoint answers, for the OpenAPI document.

The views answer the dicts the services build (`inbox.conversations.serialize` and friends);
these models describe those dicts field by field, and the Schemathesis test checks every answer
of the live app against them, so a field renamed in a service without its model here fails a test.
Objects allow fields beyond those listed (a new field is not a breaking change for clients).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    """An object whose listed fields are typed; others may be added in later versions."""

    model_config = ConfigDict(extra="allow")


# --- channels ---------------------------------------------------------------------------------


class ChannelHealth(Open):
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    next_poll_at: str | None
    consecutive_failures: int
    items_fetched: int
    items_stored: int


class Channel(Open):
    id: int
    kind: str
    name: str
    settings: dict[str, Any]
    team_id: int | None
    enabled: bool
    poll_interval_seconds: int
    webhook_url: str
    health: ChannelHealth


class CreatedChannel(Channel):
    generated_secrets: dict[str, str] | None = None


class ChannelList(Open):
    channels: list[Channel]


class ChannelOption(Open):
    name: str
    secret: bool
    required: bool
    help: str


class ChannelKind(Open):
    kind: str
    pulled: bool
    pushed: bool
    options: list[ChannelOption]


class ChannelKinds(Open):
    kinds: list[ChannelKind]


class PollReport(Open):
    ran: bool
    status: str
    fetched: int
    stored: int
    skipped: int
    error: str | None


class RejectedItem(BaseModel):
    index: int | None
    field: str
    code: Literal["invalid"]
    message: str


class WebhookReceipt(BaseModel):
    stored: int
    duplicates: int
    message_ids: list[int]
    rejected: list[RejectedItem]


# --- conversations ----------------------------------------------------------------------------


class Identity(Open):
    id: int
    channel: str
    external_id: str
    handle: str
    display_name: str
    profile_url: str
    followers: int
    verified: bool
    email: str | None


class Message(Open):
    id: int
    conversation_id: int
    direction: Literal["in", "out", "note"]
    external_id: str | None
    author: Identity | None
    author_agent_id: int | None
    text: str
    html: str | None
    url: str | None
    language: str | None
    sentiment: float | None
    sentiment_label: str | None
    sentiment_corrected: bool
    # which scorer produced `sentiment`: "base" (the shipped models) or a team's calibration
    # ("team3-v2"); None on agents' own messages and on messages stored before #21
    sentiment_model: str | None
    public: bool
    created_at: str
    delivery: dict[str, Any] | None


class Conversation(Open):
    id: int
    customer_id: int
    channel_account_id: int
    channel: str
    subject: str
    public: bool
    language: str | None
    status: Literal["open", "pending", "snoozed", "resolved"]
    priority: float
    priority_components: list[Any]
    sentiment: float
    assignee_id: int | None
    team_id: int | None
    labels: list[str]
    created_at: str | None
    updated_at: str | None
    customer_name: str | None
    customer_vip: bool | None


class ConversationList(Open):
    conversations: list[Conversation]
    next_since: str | None = None


class ConversationDetail(Conversation):
    messages: list[Message]
    reply_blocked: str | None = Field(
        default=None, description="why a reply cannot reach the customer here (null when it can)"
    )
    reply_window: dict[str, Any] | None = Field(
        default=None,
        description="WhatsApp (24 h) and WeChat (48 h): {kind, hours, open, closes_at, templates, reason}",
    )
    rule_runs: list[dict[str, Any]]
    more_before: int | None = Field(
        default=None,
        description="null when the page reaches the first message, else the `before` of the next page",
    )


class MessagePage(Open):
    conversation_id: int
    messages: list[Message]
    more_before: int | None


class BulkResult(Open):
    id: int
    ok: bool


class BulkAnswer(Open):
    results: list[BulkResult]
    ok: int
    failed: int


# --- customers, agents ------------------------------------------------------------------------


class Customer(Open):
    id: int
    name: str
    email: str | None
    lifecycle_stage: str
    vip: bool
    clv: float
    attributes: dict[str, Any]


class CustomerDetail(Customer):
    identities: list[Identity]


class CustomerRow(Customer):
    identities: list[dict[str, Any]]
    open_conversations: int
    latest_conversation_id: int | None


class CustomerList(Open):
    customers: list[CustomerRow]
    more_before: int | None = Field(description="the `before` of the next page; null on the last")


class Team(Open):
    id: int
    name: str


class Agent(Open):
    id: int
    email: str
    name: str
    role: Literal["admin", "supervisor", "agent"]
    teams: list[Team]
    languages: list[str]
    capacity: int
    presence: str


# --- rules, webhooks, SLA ---------------------------------------------------------------------


class Rule(Open):
    id: int
    name: str
    trigger: str
    match: str
    conditions: list[Any]
    actions: list[Any]
    enabled: bool
    order: int


class RuleList(Open):
    rules: list[Rule]


class Subscription(Open):
    id: int
    name: str
    url: str
    events: list[str]


class SubscriptionList(Open):
    subscriptions: list[Subscription]


class SlaPolicy(Open):
    id: int
    name: str


class SlaPolicyList(Open):
    policies: list[SlaPolicy]
