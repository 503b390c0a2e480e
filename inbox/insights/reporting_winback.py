"""Win-back: customers at churn risk, why (their latest transition's reason) and their last conversations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inbox.conversations.serialize import iso
from inbox.insights.reporting_filters import check_supervisor
from inbox.store.context import Inbox
from inbox.store.models import Conversation, Customer, LifecycleTransition

LAST_CONVERSATIONS = 3


def churn_risk(inbox: Inbox, agent_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """Churn-risk customers, most valuable first, each with the reason and last conversations."""
    with inbox.read() as s:
        check_supervisor(s, agent_id)
        customers = list(
            s.scalars(
                select(Customer)
                .where(Customer.lifecycle_stage == "churn_risk", Customer.merged_into_id.is_(None))
                .order_by(Customer.vip.desc(), Customer.clv.desc(), Customer.id)
                .limit(limit)
            )
        )
        ids = [c.id for c in customers]
        reasons: dict[int, tuple[str, Any]] = {}
        for t in s.scalars(
            select(LifecycleTransition)
            .where(LifecycleTransition.customer_id.in_(ids), LifecycleTransition.to_stage == "churn_risk")
            .order_by(LifecycleTransition.at, LifecycleTransition.id)
        ):
            reasons[t.customer_id] = (t.reason, t.at)
        convs: dict[int, list[dict[str, Any]]] = {}
        for c in s.scalars(
            select(Conversation)
            .where(Conversation.customer_id.in_(ids))
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        ):
            items = convs.setdefault(c.customer_id, [])
            if len(items) < LAST_CONVERSATIONS:
                items.append(
                    {
                        "id": c.id,
                        "channel": c.channel,
                        "subject": c.subject,
                        "status": c.status,
                        "sentiment": round(c.sentiment, 3),
                        "last_message_at": iso(c.last_message_at),
                    }
                )
        return [
            {
                "customer_id": c.id,
                "name": c.name,
                "email": c.email,
                "vip": c.vip,
                "clv": c.clv,
                "rfm_segment": c.rfm_segment,
                "reason": reasons.get(c.id, ("", None))[0],
                "since": iso(reasons.get(c.id, ("", None))[1]),
                "last_seen_at": iso(c.last_seen_at),
                "conversations": convs.get(c.id, []),
            }
            for c in customers
        ]
