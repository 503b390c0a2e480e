"""The customer directory a supervisor browses: newest first, by name or email, VIP, lifecycle stage.

Paged by id (newest first, `before` the last id seen) so a page costs a walk down the primary key
that stops at `limit` matches, however many customers there are. Merged-away customers are left
out (their history lives on the survivor). Each row carries a few identities and the customer's
latest conversation, which is where the directory links: the inbox opens it beside the customer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from inbox.conversations.serialize import customer_dict
from inbox.store.access import require_manager
from inbox.store.context import Inbox
from inbox.store.models import UNRESOLVED, Conversation, Customer, Identity

MAX_LIMIT = 100
IDENTITIES_SHOWN = 4


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_customers(
    inbox: Inbox,
    agent_id: int,
    *,
    q: str | None = None,
    vip: bool | None = None,
    stage: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """`{customers: [customer + identities + open_conversations + latest_conversation_id], more_before}`;
    `more_before` is the `before` of the next page, null on the last. Supervisors and admins only."""
    limit = max(1, min(limit, MAX_LIMIT))
    with inbox.read() as s:
        require_manager(s, agent_id)
        stmt = select(Customer).where(Customer.merged_into_id.is_(None))
        if q and q.strip():
            pattern = f"%{_escape_like(q.strip().lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(Customer.name).like(pattern, escape="\\"),
                    func.lower(Customer.email).like(pattern, escape="\\"),
                )
            )
        if vip is not None:
            stmt = stmt.where(Customer.vip.is_(vip))
        if stage:
            stmt = stmt.where(Customer.lifecycle_stage == stage)
        if before is not None:
            stmt = stmt.where(Customer.id < before)
        rows = list(s.scalars(stmt.order_by(Customer.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        ids = [c.id for c in rows]
        identities: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        open_counts: dict[int, int] = {}
        latest: dict[int, int] = {}
        if ids:
            for ident in s.scalars(
                select(Identity).where(Identity.customer_id.in_(ids)).order_by(Identity.id)
            ):
                if len(identities[ident.customer_id]) < IDENTITIES_SHOWN:
                    identities[ident.customer_id].append(
                        {"channel": ident.channel, "handle": ident.handle, "display_name": ident.display_name}
                    )
            open_counts = dict(
                s.execute(
                    select(Conversation.customer_id, func.count())
                    .where(Conversation.customer_id.in_(ids), Conversation.status.in_(UNRESOLVED))
                    .group_by(Conversation.customer_id)
                ).all()
            )
            latest = dict(
                s.execute(
                    select(Conversation.customer_id, func.max(Conversation.id))
                    .where(Conversation.customer_id.in_(ids))
                    .group_by(Conversation.customer_id)
                ).all()
            )
        out = [
            {
                **customer_dict(c),
                "identities": identities[c.id],
                "open_conversations": open_counts.get(c.id, 0),
                "latest_conversation_id": latest.get(c.id),
            }
            for c in rows
        ]
    return {"customers": out, "more_before": rows[-1].id if more else None}
