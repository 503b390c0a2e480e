"""The rule editor's words for the `escalation` leaf's keys: a label and a help text for every trigger,
fact and action, in the reader's language.

The leaf is plain Python and names things by key (`mention.created`, `customer.vip`, `send_canned`)
with an English `doc` for developers; what a supervisor reads in the editor is written here, marked for
translation, and added to `/api/rules/vocabulary` at response time. A test keeps these maps in step
with `escalation.fields`, `escalation.actions` and `escalation.types.TRIGGERS`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

TRIGGERS: dict[str, tuple[Any, Any]] = {
    "message.created": (_l("a message arrives"), _l("Runs for every message a customer sends or posts.")),
    "conversation.updated": (
        _l("a conversation is updated"),
        _l("Runs when someone changes a conversation's status, assignee, team or labels."),
    ),
    "time.passed": (
        _l("time passes (SLA timers)"),
        _l("Runs when an SLA target is close to its due time or past it."),
    ),
    "mention.created": (
        _l("a listening stream finds a post"),
        _l("Runs for every post a listening stream finds, before anyone has promoted it."),
    ),
}

FIELDS: dict[str, Any] = {
    "message.text": _l("The words of the message that started the run."),
    "message.language": _l("The language detected in the message, as a code such as en, th or zh-Hant."),
    "message.sentiment": _l("How positive the message sounds, from -1 (very negative) to 1 (very positive)."),
    "message.sentiment_label": _l("Whether the message reads as positive, neutral or negative."),
    "message.channel": _l("The channel the message came through, such as email, line or mastodon."),
    "message.public": _l("Yes for a public post or comment, no for a private message."),
    "stream.tag": _l("For posts found by listening only: the tag of the stream that found it."),
    "author.followers": _l("How many followers the author has on their network."),
    "author.verified": _l("Whether the network has verified the author's account."),
    "customer.vip": _l("Whether the customer is marked VIP."),
    "customer.lifecycle_stage": _l("Where the customer is in their lifecycle, such as retention or churn."),
    "customer.value": _l("What the customer is worth over time (CLV), in the workspace currency."),
    "customer.open_conversations": _l("How many conversations of this customer are still open."),
    "customer.last_csat": _l("The customer's most recent satisfaction score, from 1 to 5."),
    "conversation.status": _l("Open, waiting on the customer, snoozed or resolved."),
    "conversation.priority": _l("The conversation's priority, from 0 to 100."),
    "conversation.labels": _l("The labels on the conversation."),
    "conversation.team_id": _l("The team the conversation belongs to, if any."),
    "conversation.assignee_id": _l("The agent the conversation is assigned to, if any."),
    "conversation.age_minutes": _l("Minutes since the conversation started."),
    "conversation.minutes_since_customer_message": _l("Minutes since the customer last wrote."),
    "conversation.minutes_since_our_reply": _l(
        "Minutes since the team last replied (not set before the first reply)."
    ),
    "conversation.message_count": _l("How many messages the conversation holds."),
    "time.business_hours": _l("Whether it is now within business hours."),
    "sla.kind": _l("For SLA timers only: which target, first response, next response or resolution."),
    "sla.event": _l("For SLA timers only: whether the target is close (warning) or missed (breached)."),
    "sla.state": _l("The conversation's worst SLA state right now."),
    "sla.minutes_to_due": _l("Minutes until the nearest SLA due time (below zero when late)."),
}

ACTIONS: dict[str, tuple[Any, Any]] = {
    "set_priority": (_l("Set priority"), _l("Give the conversation a priority from 0 to 100.")),
    "add_label": (_l("Add label"), _l("Put a label on the conversation.")),
    "remove_label": (_l("Remove label"), _l("Take a label off the conversation.")),
    "assign_team": (
        _l("Assign to team"),
        _l("Move the conversation to a team; routing then picks an agent."),
    ),
    "assign_agent": (_l("Assign to agent"), _l("Give the conversation to one agent.")),
    "escalate": (_l("Escalate"), _l("Flag the conversation as escalated and tell the supervisors.")),
    "notify": (_l("Notify"), _l("Tell people in Murmur, or send a signed webhook to a URL.")),
    "send_canned": (
        _l("Send canned reply"),
        _l("Answer with a canned reply, in the customer's language when it has that version."),
    ),
    "snooze": (_l("Snooze"), _l("Put the conversation aside for a number of minutes.")),
    "resolve": (_l("Resolve"), _l("Mark the conversation as resolved.")),
    "promote": (
        _l("Promote to a conversation"),
        _l("Turn a post found by listening into a conversation in the inbox."),
    ),
}


def vocabulary(raw: dict[str, Any]) -> dict[str, Any]:
    """The leaf's vocabulary with a `label` and `help` in the reader's language beside every key
    (the keys and the English `doc` stay as they were, for API clients)."""
    out = dict(raw)
    out["trigger_texts"] = {
        key: {"label": str(TRIGGERS[key][0]), "help": str(TRIGGERS[key][1])}
        for key in raw["triggers"]
        if key in TRIGGERS
    }
    out["fields"] = [{**f, "help": str(FIELDS.get(f["name"], f["doc"]))} for f in raw["fields"]]
    out["actions"] = [
        {**a, "label": str(ACTIONS[a["type"]][0]), "help": str(ACTIONS[a["type"]][1])}
        if a["type"] in ACTIONS
        else a
        for a in raw["actions"]
    ]
    return out
