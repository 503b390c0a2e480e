"""The fact vocabulary: every name a rule may test, its type and its operators.

This is the one place that says what the inbox must put in the facts mapping
passed to `escalation.evaluate`. A fact that is missing, None, or of the wrong
type is treated as "not set" (so `gt` is false and `not_equals` is true).
"""

from __future__ import annotations

from dataclasses import dataclass

# Value types. "text" is free text (contains / matches), "string" a short code
# compared whole (language, channel, stage), "enum" a string from `choices`,
# "id" an integer reference, "list" a list of strings (labels).
TEXT, STRING, ENUM, NUMBER, BOOL, ID, LIST = "text", "string", "enum", "number", "bool", "id", "list"

OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    TEXT: ("equals", "not_equals", "contains", "not_contains", "matches", "is_set"),
    STRING: ("equals", "not_equals", "in", "not_in", "is_set", "changed_to"),
    ENUM: ("equals", "not_equals", "in", "not_in", "is_set", "changed_to"),
    NUMBER: ("equals", "not_equals", "gt", "gte", "lt", "lte", "between", "is_set", "changed_to"),
    BOOL: ("equals", "not_equals", "is_set", "changed_to"),
    ID: ("equals", "not_equals", "in", "not_in", "is_set", "changed_to"),
    LIST: ("contains", "not_contains", "in", "not_in", "is_set", "changed_to"),
}


@dataclass(frozen=True)
class Field:
    """One fact a rule may test.

    `label` is how `describe` names it; for booleans `true_text` / `false_text`
    read better than "is true" ("the customer is VIP").
    """

    name: str
    type: str
    label: str
    doc: str
    choices: tuple[str, ...] = ()
    true_text: str = ""
    false_text: str = ""

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_TYPE[self.type]


_STATUS = ("open", "pending", "snoozed", "resolved")
_SENTIMENT = ("positive", "neutral", "negative")
_SLA_KIND = ("first_response", "next_response", "resolution")
_SLA_STATE = ("ok", "warning", "breached")

_ALL = (
    Field("message.text", TEXT, "message text", "Text of the message that triggered the run."),
    Field("message.language", STRING, "language", "Detected language code, e.g. 'en', 'pt-BR'."),
    Field("message.sentiment", NUMBER, "sentiment", "Compound sentiment score in [-1, 1]."),
    Field("message.sentiment_label", ENUM, "sentiment label", "Sentiment label.", _SENTIMENT),
    Field("message.channel", STRING, "channel", "Channel kind, e.g. 'email', 'mastodon', 'bluesky'."),
    Field(
        "message.public",
        BOOL,
        "message public",
        "True for a public post or comment, False for a private message.",
        true_text="the message is public",
        false_text="the message is private",
    ),
    Field(
        "stream.tag",
        ENUM,
        "stream tag",
        "mention.created only: the tag of the listening stream that found the post.",
        ("brand", "product", "competitor"),
    ),
    Field("author.followers", NUMBER, "author followers", "Follower count of the author's identity."),
    Field(
        "author.verified",
        BOOL,
        "author verified",
        "The author's identity is verified on its network.",
        true_text="the author is verified",
        false_text="the author is not verified",
    ),
    Field(
        "customer.vip",
        BOOL,
        "customer VIP",
        "The customer is flagged VIP.",
        true_text="the customer is VIP",
        false_text="the customer is not VIP",
    ),
    Field(
        "customer.lifecycle_stage", STRING, "lifecycle stage", "Lifecycle stage, e.g. 'retention', 'churn'."
    ),
    Field(
        "customer.value",
        NUMBER,
        "customer value",
        "Customer lifetime value (CLV), in the workspace currency.",
    ),
    Field(
        "customer.open_conversations",
        NUMBER,
        "customer open conversations",
        "Open conversations of the customer.",
    ),
    Field("customer.last_csat", NUMBER, "last CSAT", "The customer's most recent CSAT score (1-5)."),
    Field("conversation.status", ENUM, "status", "Conversation status.", _STATUS),
    Field("conversation.priority", NUMBER, "priority", "Conversation priority value (0-100)."),
    Field("conversation.labels", LIST, "labels", "Label names on the conversation."),
    Field("conversation.team_id", ID, "team", "Team the conversation belongs to, or None."),
    Field("conversation.assignee_id", ID, "assignee", "Assigned agent id, or None."),
    Field(
        "conversation.age_minutes", NUMBER, "conversation age (min)", "Minutes since the conversation opened."
    ),
    Field(
        "conversation.minutes_since_customer_message",
        NUMBER,
        "minutes since customer message",
        "Minutes since the customer's last message.",
    ),
    Field(
        "conversation.minutes_since_our_reply",
        NUMBER,
        "minutes since our reply",
        "Minutes since our last outgoing reply (None if never replied).",
    ),
    Field("conversation.message_count", NUMBER, "message count", "Messages in the conversation."),
    Field(
        "time.business_hours",
        BOOL,
        "business hours",
        "Now is inside business hours (computed with escalation.calendar.is_business_time).",
        true_text="it is business hours",
        false_text="it is outside business hours",
    ),
    Field("sla.kind", ENUM, "SLA kind", "time.passed runs for an SLA event: which target.", _SLA_KIND),
    Field(
        "sla.event",
        ENUM,
        "SLA event",
        "time.passed runs for an SLA event: 'warning' or 'breached'.",
        ("warning", "breached"),
    ),
    Field("sla.state", ENUM, "SLA state", "Worst SLA state of the conversation now.", _SLA_STATE),
    Field(
        "sla.minutes_to_due",
        NUMBER,
        "minutes to SLA due",
        "Minutes until the nearest SLA due time (negative = late).",
    ),
)

FIELDS: dict[str, Field] = {f.name: f for f in _ALL}
