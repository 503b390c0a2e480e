"""The customer directory a supervisor browses: search, filters, sorts and pages.

Filters are lifecycle stage, RFM segment, one RFM grid cell (recency x frequency scores), VIP,
value band (of the CLV total) and last contact band (of `last_seen_at`); every filter has a fixed
set of values (`VALUE_BANDS`, `CONTACT_BANDS`), and `inbox.customers.facets` counts which of them
exist so the page offers pickers that never match nothing.

Two ways to page: the default order (newest first) pages by id (`before` the last id seen), a walk
down the primary key that stops at `limit` matches however many customers there are; the other
sorts (name, value, last contact) page by number, with the total counted once. Merged-away
customers are left out (their history lives on the survivor). Each row carries a few identities
and the customer's latest conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from inbox.conversations.serialize import customer_dict
from inbox.store.access import require_manager
from inbox.store.context import Inbox
from inbox.store.models import UNRESOLVED, Conversation, Customer, Identity

MAX_LIMIT = 100
IDENTITIES_SHOWN = 4

# Value bands of the CLV total (one currency, as the analytics keep it): lower bound inclusive,
# upper bound exclusive. "none" is a customer without orders (CLV 0).
VALUE_BANDS: dict[str, tuple[float | None, float | None]] = {
    "none": (None, 0.0),
    "under_100": (0.0, 100.0),
    "100_to_1000": (100.0, 1000.0),
    "1000_plus": (1000.0, None),
}
# Last contact bands in days before now; "never" is a customer never heard from.
CONTACT_BANDS: dict[str, tuple[int | None, int | None]] = {
    "7d": (None, 7),
    "30d": (7, 30),
    "90d": (30, 90),
    "older": (90, None),
    "never": (None, None),
}
SORTS = ("newest", "name", "value", "last_contact")


@dataclass(frozen=True)
class DirectoryFilter:
    """What the list is narrowed to; None means "any"."""

    q: str | None = None
    vip: bool | None = None
    stage: str | None = None
    segment: str | None = None
    value: str | None = None
    contact: str | None = None
    rfm_r: int | None = None
    rfm_f: int | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def value_clause(band: str) -> Any:
    """The SQL condition of a value band (a key of `VALUE_BANDS`)."""
    low, high = VALUE_BANDS[band]
    if low is None:
        return Customer.clv <= 0
    cond = Customer.clv > low if low == 0 else Customer.clv >= low
    return and_(cond, Customer.clv < high) if high is not None else cond


def contact_clause(band: str, now: datetime) -> Any:
    """The SQL condition of a last contact band (a key of `CONTACT_BANDS`) at `now`."""
    if band == "never":
        return Customer.last_seen_at.is_(None)
    newer, older = CONTACT_BANDS[band]
    conds = []
    if newer is not None:  # contacted more than `newer` days ago
        conds.append(Customer.last_seen_at < now - timedelta(days=newer))
    if older is not None:  # ... and at most `older` days ago
        conds.append(Customer.last_seen_at >= now - timedelta(days=older))
    else:
        conds.append(Customer.last_seen_at.is_not(None))
    return and_(*conds)


def filtered(f: DirectoryFilter, now: datetime) -> Select[Any]:
    """Customers (not merged away) matching `f`, unordered."""
    stmt = select(Customer).where(Customer.merged_into_id.is_(None))
    if f.q and f.q.strip():
        pattern = f"%{_escape_like(f.q.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Customer.name).like(pattern, escape="\\"),
                func.lower(Customer.email).like(pattern, escape="\\"),
            )
        )
    if f.vip is not None:
        stmt = stmt.where(Customer.vip.is_(f.vip))
    if f.stage:
        stmt = stmt.where(Customer.lifecycle_stage == f.stage)
    if f.segment:
        stmt = stmt.where(Customer.rfm_segment == f.segment)
    if f.value:
        stmt = stmt.where(value_clause(f.value))
    if f.contact:
        stmt = stmt.where(contact_clause(f.contact, now))
    if f.rfm_r is not None:
        stmt = stmt.where(Customer.rfm_recency == f.rfm_r)
    if f.rfm_f is not None:
        stmt = stmt.where(Customer.rfm_frequency == f.rfm_f)
    return stmt


def _ordered(stmt: Select[Any], sort: str, descending: bool) -> Select[Any]:
    """Every sort ends on the id, so pages never overlap or skip a tie."""
    tie = Customer.id.desc() if descending else Customer.id.asc()
    if sort == "last_contact":
        # customers never heard from come after everyone else, whichever way
        seen = Customer.last_seen_at.desc() if descending else Customer.last_seen_at.asc()
        return stmt.order_by(Customer.last_seen_at.is_(None), seen, tie)
    keys = {"name": [func.lower(Customer.name)], "value": [Customer.clv]}.get(sort, [])
    return stmt.order_by(*[k.desc() if descending else k.asc() for k in keys], tie)


def _extras(s: Session, ids: list[int]) -> tuple[dict, dict, dict]:
    identities: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return identities, {}, {}
    for ident in s.scalars(select(Identity).where(Identity.customer_id.in_(ids)).order_by(Identity.id)):
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
    return identities, open_counts, latest


def list_customers(
    inbox: Inbox,
    agent_id: int,
    *,
    q: str | None = None,
    vip: bool | None = None,
    stage: str | None = None,
    before: int | None = None,
    limit: int = 50,
    where: DirectoryFilter | None = None,
    sort: str = "newest",
    descending: bool = True,
    page: int | None = None,
) -> dict[str, Any]:
    """`{customers, more_before, total, page, pages}`. Supervisors and admins only.

    With the default sort and no `page`, `more_before` is the `before` of the next page (null on
    the last) and `total` is null; with `page` (1-based) or another sort, `total` and `pages`
    say how many match and `more_before` is null."""
    limit = max(1, min(limit, MAX_LIMIT))
    f = where or DirectoryFilter(q=q, vip=vip, stage=stage)
    keyset = sort == "newest" and descending and page is None
    with inbox.read() as s:
        require_manager(s, agent_id)
        stmt = filtered(f, inbox.clock())
        total: int | None = None
        if keyset:
            if before is not None:
                stmt = stmt.where(Customer.id < before)
            rows = list(s.scalars(stmt.order_by(Customer.id.desc()).limit(limit + 1)))
            more = len(rows) > limit
            rows = rows[:limit]
        else:
            page = max(1, page or 1)
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = list(s.scalars(_ordered(stmt, sort, descending).offset((page - 1) * limit).limit(limit)))
            more = False
        identities, open_counts, latest = _extras(s, [c.id for c in rows])
        out = [
            {
                **customer_dict(c),
                "rfm_recency": c.rfm_recency,
                "rfm_frequency": c.rfm_frequency,
                "identities": identities[c.id],
                "open_conversations": open_counts.get(c.id, 0),
                "latest_conversation_id": latest.get(c.id),
            }
            for c in rows
        ]
    return {
        "customers": out,
        "more_before": rows[-1].id if more else None,
        "total": total,
        "page": None if keyset else page,
        "pages": None if total is None else max(1, -(-total // limit)),
    }
