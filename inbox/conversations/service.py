"""Reading and changing conversations on behalf of an agent (access checked in every call)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.admin.agents import load_agent
from inbox.attachments.records import attach_to_reply
from inbox.automation import engine as automation
from inbox.automation import sla_service
from inbox.channels.capabilities import never_replies
from inbox.channels.windows import check_reply
from inbox.conversations.detail import get_conversation, older_messages
from inbox.conversations.listing import ListFilter, labels_of, list_conversations
from inbox.conversations.mentions import record_mentions
from inbox.conversations.ranking import raise_to
from inbox.conversations.replies import add_note, delivery_dict, queue_reply
from inbox.conversations.serialize import conversation_dict, message_dict
from inbox.store.access import check_visible
from inbox.store.context import Inbox
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.events import conversation_rooms
from inbox.store.models import (
    Agent,
    AuditLog,
    ChannelAccount,
    Conversation,
    ConversationLabel,
    Customer,
    Direction,
    Status,
    Team,
)

__all__ = ["ListFilter", "get_conversation", "list_conversations", "older_messages"]

# The list lives in `listing` and one conversation's reads in `detail` (both read as Core rows);
# `_labels` is kept for the rooms that import it.
_labels = labels_of


def _agent(s: Session, agent_id: int) -> Agent:
    agent = load_agent(s, agent_id)
    if agent is None:
        raise NotFound(N_("agent not found"))
    return agent


def _load(s: Session, agent: Agent, conversation_id: int) -> Conversation:
    conv = s.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(N_("conversation %(conversation_id)s not found"), conversation_id=conversation_id)
    check_visible(agent, conv)
    return conv


def _channel(s: Session, conv: Conversation) -> ChannelAccount | None:
    return s.get(ChannelAccount, conv.channel_account_id) if conv.channel_account_id else None


def update_conversation(
    inbox: Inbox, agent_id: int, conversation_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change status, assignee and labels; a manual assignment is never undone by auto-routing."""
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = _agent(s, agent_id)
        conv = _load(s, agent, conversation_id)
        now = inbox.clock()
        before_assignee = conv.assignee_id
        customer = s.get(Customer, conv.customer_id)
        previous = automation.conversation_facts(
            conv, customer, set(_labels(s, [conv.id]).get(conv.id, [])), now
        )
        if "status" in changes:
            status = changes["status"]
            if status not in {x.value for x in Status}:
                raise Invalid(N_("status must be open, pending, snoozed or resolved"), "status")
            conv.status = status
            resolved = status == Status.RESOLVED.value
            conv.resolved_at, conv.resolved_by_id = (now, agent.id) if resolved else (None, None)
        if changes.get("snoozed_until") is not None:
            until = changes["snoozed_until"]
            if until.tzinfo is None:
                raise Invalid(
                    N_("snoozed_until needs a time zone (e.g. 2026-11-26T09:00:00+07:00)"), "snoozed_until"
                )
            if until <= now:
                raise Invalid(N_("snoozed_until must be in the future"), "snoozed_until")
            if changes.get("status", Status.SNOOZED.value) != Status.SNOOZED.value:
                raise Invalid(N_("snoozed_until goes with status snoozed"), "snoozed_until")
            conv.status = Status.SNOOZED.value
            conv.snoozed_until = until
        elif conv.status != Status.SNOOZED.value:
            conv.snoozed_until = None
        if changes.get("team_id") is not None:
            # handing a conversation to a team puts it in that team's unassigned queue, unless the
            # same change names the agent too
            team = s.get(Team, int(changes["team_id"]))
            if team is None:
                raise Invalid(N_("team %(team_id)s does not exist"), "team_id", team_id=changes["team_id"])
            if team.archived_at is not None:
                raise Invalid(
                    N_("team %(team)s is archived: it takes no conversations"), "team_id", team=team.name
                )
            conv.team_id = int(changes["team_id"])
            if "assignee_id" not in changes:
                conv.assignee_id = None
                conv.assigned_manually = False
                conv.queue_reason = "handed to the team"
        if "assignee_id" in changes:
            target = changes["assignee_id"]
            if target is not None:
                if load_agent(s, int(target)) is None:
                    raise Invalid(N_("agent %(target)s does not exist"), "assignee_id", target=target)
                conv.assignee_id = int(target)
                conv.assigned_manually = True
                conv.queue_reason = ""
            else:
                conv.assignee_id = None
                conv.assigned_manually = False
        labels = set(_labels(s, [conv.id]).get(conv.id, []))
        if "labels" in changes:
            new = changes["labels"]
            if not isinstance(new, list) or not all(isinstance(x, str) and x.strip() for x in new):
                raise Invalid(N_("labels must be a list of non-empty strings"), "labels")
            new_set = {x.strip()[:60] for x in new}
            s.execute(
                ConversationLabel.__table__.delete().where(ConversationLabel.conversation_id == conv.id)
            )
            s.add_all(ConversationLabel(conversation_id=conv.id, label=x) for x in new_set)
            labels = new_set
        if "add_labels" in changes or "remove_labels" in changes:
            # applied inside this transaction, so concurrent label changes are never lost
            add = {
                x.strip()[:60] for x in changes.get("add_labels") or [] if isinstance(x, str) and x.strip()
            }
            drop = {x.strip() for x in changes.get("remove_labels") or [] if isinstance(x, str)}
            target = (labels | add) - drop
            if drop & labels:
                s.execute(
                    ConversationLabel.__table__.delete().where(
                        ConversationLabel.conversation_id == conv.id,
                        ConversationLabel.label.in_(drop & labels),
                    )
                )
            s.add_all(ConversationLabel(conversation_id=conv.id, label=x) for x in target - labels)
            labels = target
        conv.updated_at = now
        escalated = _run_update_rules(s, conv, customer, labels, previous, now)
        sla_service.update_due(s, conv, customer)
        s.add(
            AuditLog(
                agent_id=agent.id,
                action="conversation.updated",
                target=f"conversation:{conv.id}",
                details={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()},
            )
        )
        s.flush()
        summary = conversation_dict(conv, s.get(Customer, conv.customer_id), sorted(labels))
        rooms = conversation_rooms(conv.team_id, conv.assignee_id, conv.id)
        if before_assignee is not None and before_assignee != conv.assignee_id:
            rooms = (*rooms, f"agent:{before_assignee}")
        uow.emit("conversation.updated", {"conversation": summary, "by": agent.id}, rooms)
        if conv.assignee_id != before_assignee and conv.assignee_id is not None:
            uow.emit(
                "conversation.assigned", {"conversation": summary, "assignee_id": conv.assignee_id}, rooms
            )
        if escalated:
            uow.emit("conversation.escalated", {"conversation": summary, "rules": escalated}, rooms)
        return summary


def _run_update_rules(
    s: Session,
    conv: Conversation,
    customer: Customer | None,
    labels: set[str],
    previous: dict[str, Any],
    now: datetime,
) -> list[str]:
    """`conversation.updated` rules, with the facts from before the change (for `changed_to`).

    Label changes they make are saved here; the rule runs are recorded like any other firing.
    """
    rules = automation.load_rules(s, "conversation.updated")
    if not rules:
        return []
    before = set(labels)
    facts = automation.conversation_facts(conv, customer, labels, now)
    outcome = automation.apply_firings(
        conv,
        labels,
        automation.run_rules(rules, facts, "conversation.updated", previous),
        "conversation.updated",
        now,
    )
    if outcome.priority_floor is not None:
        raise_to(conv, outcome.priority_floor, now)
    for label in labels - before:
        s.add(ConversationLabel(conversation_id=conv.id, label=label))
    if before - labels:
        s.execute(
            ConversationLabel.__table__.delete().where(
                ConversationLabel.conversation_id == conv.id, ConversationLabel.label.in_(before - labels)
            )
        )
    automation.record_runs(s, conv.id, [r for r in outcome.runs if r["actions"]])
    return outcome.escalated


def reply(
    inbox: Inbox,
    agent_id: int,
    conversation_id: int,
    text: str,
    private: bool = False,
    attachment_ids: Sequence[int] = (),
    template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Queue a reply in the outbox (or store a private note); both are announced after commit.
    `attachment_ids` are the agent's uploads to this conversation, sent with the reply; `template`
    ({name, language, variables}) sends a WhatsApp message template (`text` is its filled body)."""
    text = (text or "").strip()
    if not text:
        raise Invalid(N_("text must not be empty"), "text")
    if len(text) > 10_000:
        raise Invalid(N_("text must be at most 10,000 characters"), "text")
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = _agent(s, agent_id)
        conv = _load(s, agent, conversation_id)
        now = inbox.clock()
        if private:
            msg, box = add_note(s, conv, text, agent.id, now), None
        else:
            blocked = never_replies(_channel(s, conv))
            if blocked:
                raise Invalid(blocked, "private")
            check_reply(_channel(s, conv), conv, now, template)  # the network's reply window
            msg, box = queue_reply(s, conv, text, agent.id, now)
            box.template = dict(template) if template else None
            if conv.assignee_id is None:
                conv.assignee_id = agent.id
            sla_service.update_due(s, conv, s.get(Customer, conv.customer_id))
        files = attach_to_reply(s, conv, msg.id, agent.id, attachment_ids) if attachment_ids else []
        payload = message_dict(msg, None, delivery_dict(box), files)
        summary = conversation_dict(
            conv, s.get(Customer, conv.customer_id), _labels(s, [conv.id]).get(conv.id, [])
        )
        if private:
            record_mentions(uow, conv, msg, agent, payload, summary)
        uow.emit(
            "message.created",
            {"message": payload, "conversation": summary},
            conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
        )
        return payload


def is_reply(direction: str) -> bool:
    return direction == Direction.OUT.value


def wake_snoozed(inbox: Inbox) -> int:
    """Reopen snoozed conversations whose time has come (a periodic job; safe in several schedulers:
    the UPDATE claims each conversation atomically, so each wakes once)."""
    now = inbox.clock()
    due = (
        Conversation.status == Status.SNOOZED.value,
        Conversation.snoozed_until.is_not(None),
        Conversation.snoozed_until <= now,
    )
    with inbox.read() as s:  # most runs wake nobody: that takes no write lock
        if s.scalar(select(Conversation.id).where(*due).limit(1)) is None:
            return 0
    with inbox.unit_of_work() as uow:
        s = uow.session
        ids = list(
            s.scalars(
                update(Conversation)
                .where(*due)
                .values(status=Status.OPEN.value, snoozed_until=None, updated_at=now)
                .returning(Conversation.id)
            )
        )
        if ids:
            labels = _labels(s, ids)
            for conv, customer in s.execute(
                select(Conversation, Customer)
                .join(Customer, Customer.id == Conversation.customer_id)
                .where(Conversation.id.in_(ids))
                .execution_options(populate_existing=True)
            ):
                uow.emit(
                    "conversation.updated",
                    {
                        "conversation": conversation_dict(conv, customer, labels.get(conv.id, [])),
                        "woke": True,
                    },
                    conversation_rooms(conv.team_id, conv.assignee_id, conv.id),
                )
        return len(ids)
