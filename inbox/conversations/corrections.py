"""Agents' sentiment corrections: stored with who made them, and they win over the model.

A corrected message keeps the agent's label and a compound at the label's centre; the
conversation's sentiment and rank are brought up to date in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inbox.admin.agents import load_agent
from inbox.conversations.ranking import shift
from inbox.store.access import check_visible
from inbox.store.context import Inbox
from inbox.store.csv_cells import csv_lines
from inbox.store.errors import N_, Invalid, NotFound
from inbox.store.events import conversation_rooms
from inbox.store.models import AuditLog, Conversation, Direction, Message

LABEL_COMPOUND = {"negative": -0.6, "neutral": 0.0, "positive": 0.6}


def correct_sentiment(inbox: Inbox, agent_id: int, message_id: int, label: str) -> dict[str, Any]:
    if label not in LABEL_COMPOUND:
        raise Invalid(N_("label must be negative, neutral or positive"), "label")
    with inbox.unit_of_work() as uow:
        s = uow.session
        agent = load_agent(s, agent_id)
        msg = s.get(Message, message_id)
        if agent is None or msg is None or msg.direction != Direction.IN.value:
            raise NotFound(N_("inbound message %(message_id)s not found"), message_id=message_id)
        conv = s.get(Conversation, msg.conversation_id)
        check_visible(agent, conv)
        before = (msg.sentiment_label, msg.sentiment)
        msg.sentiment_label = label
        msg.sentiment = LABEL_COMPOUND[label]
        msg.sentiment_corrected_by = agent.id
        msg.sentiment_reasons = [
            *[r for r in msg.sentiment_reasons if not r.startswith("corrected")],
            f"corrected by {agent.name}",
        ]
        latest = s.scalar(
            select(Message.id)
            .where(Message.conversation_id == conv.id, Message.direction == Direction.IN.value)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
        if latest == msg.id:
            _rerank(conv, msg.sentiment, inbox)
        s.add(
            AuditLog(
                agent_id=agent.id,
                action="sentiment.corrected",
                target=f"message:{msg.id}",
                details={"from": before[0], "to": label},
            )
        )
        payload = {
            "message_id": msg.id,
            "conversation_id": conv.id,
            "sentiment": msg.sentiment,
            "sentiment_label": label,
            "corrected_by": agent.id,
        }
        uow.emit("message.updated", payload, conversation_rooms(conv.team_id, conv.assignee_id, conv.id))
        return payload


def _rerank(conv: Conversation, compound: float, inbox: Inbox) -> None:
    """Swap the negativity component for the corrected one; the rest of the rank stands."""
    conv.sentiment = compound
    comps = conv.priority_components or []
    delta = 0.0
    new = []
    for c in comps:
        if c.get("name") == "negativity":
            value = max(0.0, -compound)
            delta = c["weight"] * value - c.get("contribution", c["weight"] * c["value"])
            c = {
                **c,
                "value": value,
                "contribution": round(c["weight"] * value, 3),
                "detail": f"sentiment {compound:+.2f} (corrected)",
            }
        new.append(c)
    conv.priority_components = new
    shift(conv, delta, inbox.clock())


def export_corrections(inbox: Inbox) -> str:
    """A labeled CSV (text, label, lang) that `murmur eval-sentiment` reads; customer text is
    untrusted, so every cell is made spreadsheet-safe (`inbox.store.csv_cells`)."""
    with inbox.read() as s:
        rows = s.execute(
            select(Message.text, Message.sentiment_label, Message.language)
            .where(Message.sentiment_corrected_by.is_not(None))
            .order_by(Message.id)
        )
        return csv_lines(["text", "label", "lang"], ((text, label, lang or "") for text, label, lang in rows))
