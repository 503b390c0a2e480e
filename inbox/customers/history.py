"""A customer's whole story: every identity and every conversation across channels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inbox.admin.agents import load_agent
from inbox.conversations.serialize import conversation_dict, customer_dict, identity_dict
from inbox.conversations.service import _labels
from inbox.conversations.thread import messages_of
from inbox.store.access import visible_clause
from inbox.store.context import Inbox
from inbox.store.errors import N_, Forbidden, NotFound
from inbox.store.models import Conversation, Customer, Identity


def get_customer(inbox: Inbox, agent_id: int, customer_id: int) -> dict[str, Any]:
    """The customer with identities and history; only conversations the agent may see are shown."""
    with inbox.read() as s:
        agent = load_agent(s, agent_id)
        if agent is None:
            raise NotFound(N_("agent not found"))
        cust = s.get(Customer, customer_id)
        if cust is None:
            raise NotFound(N_("customer %(customer_id)s not found"), customer_id=customer_id)
        convs = list(
            s.scalars(
                select(Conversation)
                .where(Conversation.customer_id == cust.id, visible_clause(agent))
                .order_by(Conversation.last_message_at.desc())
            )
        )
        total = s.scalar(select(Conversation.id).where(Conversation.customer_id == cust.id).limit(1))
        if total is not None and not convs:
            raise Forbidden(N_("this customer's conversations belong to teams you are not in"))
        labels = _labels(s, [c.id for c in convs])
        out = customer_dict(cust)
        out["identities"] = [
            identity_dict(i)
            for i in s.scalars(select(Identity).where(Identity.customer_id == cust.id).order_by(Identity.id))
        ]
        out["conversations"] = [conversation_dict(c, cust, labels.get(c.id, [])) for c in convs]
        timeline = messages_of(s, [c.id for c in convs])
        channel_of = {c.id: c.channel for c in convs}
        for m in timeline:
            m["channel"] = channel_of[m["conversation_id"]]
        out["timeline"] = timeline
        return out
