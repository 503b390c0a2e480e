"""One customer's page: who they are on every network, everything they did, and what they are worth.

Identities, every conversation (with its opening words), every order, every survey answer, the
value figures (CLV total, RFM segment and scores, VIP) and the history of stage changes with the
reason each was made. Conversations are limited to those the reader may see, as everywhere else;
orders, answers and stages belong to the customer and are shown to every manager. All text here
came from outside (social posts, order ids, comments): the page renders it as text, never markup.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import customer_dict, identity_dict, iso
from inbox.insights.analytics.surveys import classify_csat, classify_nps
from inbox.store.access import require_manager, visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import N_, NotFound
from inbox.store.models import (
    Conversation,
    Customer,
    Direction,
    Identity,
    LifecycleTransition,
    Message,
    Order,
    SurveyResponse,
)

MAX_ROWS = 500  # per list; a customer past that is shown their latest 500 of each and told so
PREVIEW_CHARS = 280


def _survey_class(kind: str, rating: int) -> str:
    return (classify_nps(rating) if kind == "nps" else classify_csat(rating)).value


def customer_profile(inbox: Inbox, agent_id: int, customer_id: int) -> dict[str, Any]:
    """The customer with `identities`, `conversations`, `orders`, `surveys`, `stages` (newest
    first each) and `truncated` (which lists stopped at `MAX_ROWS`). A merged-away customer
    answers with `merged_into_id`, so the page can send the reader to the survivor."""
    with inbox.read() as s:
        require_manager(s, agent_id)
        agent = load_agent(s, agent_id)
        cust = s.get(Customer, customer_id)
        if cust is None or agent is None:
            raise NotFound(N_("customer %(customer_id)s not found"), customer_id=customer_id)
        out = customer_dict(cust)
        out["merged_into_id"] = cust.merged_into_id
        out["rfm_recency"], out["rfm_frequency"] = cust.rfm_recency, cust.rfm_frequency
        out["identities"] = [
            identity_dict(i)
            for i in s.scalars(select(Identity).where(Identity.customer_id == cust.id).order_by(Identity.id))
        ]
        convs = list(
            s.scalars(
                select(Conversation)
                .where(Conversation.customer_id == cust.id, visible_clause(agent))
                .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                .limit(MAX_ROWS + 1)
            )
        )
        truncated = []
        if len(convs) > MAX_ROWS:
            convs, truncated = convs[:MAX_ROWS], ["conversations"]
        first_ids = dict(
            s.execute(
                select(Message.conversation_id, func.min(Message.id))
                .where(
                    Message.conversation_id.in_([c.id for c in convs]),
                    Message.direction == Direction.IN.value,
                )
                .group_by(Message.conversation_id)
            ).all()
        )
        openings = dict(
            s.execute(select(Message.id, Message.text).where(Message.id.in_(list(first_ids.values())))).all()
        )
        out["conversations"] = [
            {
                "id": c.id,
                "channel": c.channel,
                "subject": c.subject,
                "status": c.status,
                "public": c.public,
                "language": c.language,
                "sentiment": round(c.sentiment, 3),
                "message_count": c.message_count,
                "created_at": iso(c.created_at),
                "last_message_at": iso(c.last_message_at),
                "opening": (openings.get(first_ids.get(c.id, -1)) or "")[:PREVIEW_CHARS],
            }
            for c in convs
        ]
        out["hidden_conversations"] = (
            s.scalar(
                select(func.count()).select_from(Conversation).where(Conversation.customer_id == cust.id)
            )
            or 0
        ) - len(convs)
        orders = list(
            s.scalars(
                select(Order)
                .where(Order.customer_id == cust.id)
                .order_by(Order.ordered_at.desc(), Order.id.desc())
                .limit(MAX_ROWS + 1)
            )
        )
        if len(orders) > MAX_ROWS:
            orders, truncated = orders[:MAX_ROWS], [*truncated, "orders"]
        out["orders"] = [
            {
                "id": o.id,
                "external_id": o.external_id,
                "amount": str(o.amount),
                "currency": o.currency,
                "ordered_at": iso(o.ordered_at),
            }
            for o in orders
        ]
        totals = s.execute(
            select(func.count(Order.id), func.coalesce(func.sum(Order.amount), 0)).where(
                Order.customer_id == cust.id
            )
        ).one()
        out["order_count"], out["order_total"] = int(totals[0]), str(totals[1])
        out["surveys"] = [
            {
                "kind": r.kind,
                "rating": r.rating,
                "class": _survey_class(r.kind, r.rating),
                "comment": r.comment,
                "conversation_id": r.conversation_id,
                "answered_at": iso(r.answered_at),
            }
            for r in s.scalars(
                select(SurveyResponse)
                .where(SurveyResponse.customer_id == cust.id, SurveyResponse.rating.is_not(None))
                .order_by(SurveyResponse.answered_at.desc())
                .limit(MAX_ROWS)
            )
        ]
        out["stages"] = [
            {"from": t.from_stage, "to": t.to_stage, "reason": t.reason, "at": iso(t.at)}
            for t in s.scalars(
                select(LifecycleTransition)
                .where(LifecycleTransition.customer_id == cust.id)
                .order_by(LifecycleTransition.at.desc(), LifecycleTransition.id.desc())
                .limit(MAX_ROWS)
            )
        ]
        out["truncated"] = truncated
    return out
