"""Order import: a CSV file (`murmur import orders`) or a JSON list (`POST /api/orders`).

Rows are parsed by `inbox.insights.analytics.orders_csv`; a file that is not an orders CSV
raises `OrdersFileError` before anything is written. Each row names its customer
by id, email (the customer's or one of their identities') or handle (any
network); a row naming nobody we know is rejected with its line number. Rows
with an `order_id` are idempotent: importing the same file twice stores each
order once (insert-ignore on the unique `orders.external_id`). The import is one
transaction, then customer values and stages are recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.insights import lifecycle_service
from inbox.insights.analytics.orders_csv import OrderRow, RejectedRow, iter_orders
from inbox.store.context import Inbox
from inbox.store.models import Customer, Identity, Order
from inbox.store.sql import insert_ignore

BATCH = 2000


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    customers: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
            "customers": len(self.customers),
        }


def _resolve(s: Session, rows: list[OrderRow]) -> dict[tuple[str, str], int]:
    """Customer ids for the references in `rows` (merged customers resolve to their survivor)."""
    want: dict[str, set[str]] = {"customer_id": set(), "customer_email": set(), "handle": set()}
    for r in rows:
        want[r.customer.kind].add(r.customer.value)
    found: dict[tuple[str, str], int] = {}
    numeric = [int(v) for v in want["customer_id"] if v.isdigit()]
    for i in range(0, len(numeric), BATCH):
        for cid, merged in s.execute(
            select(Customer.id, Customer.merged_into_id).where(Customer.id.in_(numeric[i : i + BATCH]))
        ):
            found[("customer_id", str(cid))] = merged or cid
    emails = sorted(want["customer_email"])
    for i in range(0, len(emails), BATCH):
        part = emails[i : i + BATCH]
        for email, cid in s.execute(
            select(func.lower(Identity.email), Identity.customer_id).where(
                func.lower(Identity.email).in_(part)
            )
        ):
            found.setdefault(("customer_email", email), cid)
        for email, cid in s.execute(
            select(func.lower(Customer.email), Customer.id).where(func.lower(Customer.email).in_(part))
        ):
            found[("customer_email", email)] = cid
    handles = sorted(want["handle"])
    for i in range(0, len(handles), BATCH):
        for handle, cid in s.execute(
            select(Identity.handle, Identity.customer_id)
            .where(Identity.handle.in_(handles[i : i + BATCH]))
            .order_by(Identity.id)
        ):
            found.setdefault(("handle", handle), cid)
    return found


def import_rows(
    inbox: Inbox, items: Iterable[OrderRow | RejectedRow], recompute: bool = True
) -> ImportResult:
    """Store the valid rows (one transaction), reject the rest by line number, then refresh values."""
    result = ImportResult()
    with inbox.unit_of_work() as uow:
        s = uow.session
        pending: list[OrderRow] = []

        def flush() -> None:
            refs = _resolve(s, pending)
            values = []
            for r in pending:
                cid = refs.get((r.customer.kind, r.customer.value))
                if cid is None:
                    result.rejected.append(
                        (r.line_number, f"no customer with {r.customer.kind} {r.customer.value!r}")
                    )
                    continue
                result.customers.add(cid)
                values.append(
                    {
                        "customer_id": cid,
                        "external_id": r.order_id,
                        "amount": r.amount,
                        "currency": r.currency,
                        "ordered_at": r.ordered_at,
                    }
                )
            if values:
                stmt = insert_ignore(s, Order, ["external_id"]).returning(Order.id)
                inserted = len(s.execute(stmt, values).all())  # RETURNING yields only the rows inserted
                result.imported += inserted
                result.duplicates += len(values) - inserted
            pending.clear()

        for item in items:  # OrdersFileError surfaces here, before any write
            result.rows += 1
            if isinstance(item, RejectedRow):
                result.rejected.append((item.line_number, item.reason))
                continue
            pending.append(item)
            if len(pending) >= BATCH:
                flush()
        flush()
    result.rejected.sort()
    if recompute and result.imported:
        lifecycle_service.recompute_values(inbox)
        lifecycle_service.recompute_stages(inbox, result.customers)
    return result


def import_csv(
    inbox: Inbox,
    lines: Iterable[str],
    on_progress: Callable[[int], None] | None = None,
    default_currency: str | None = None,
) -> ImportResult:
    """Import an orders CSV; raises OrdersFileError (nothing stored) when it is not one."""
    return import_rows(inbox, iter_orders(lines, on_progress, 1000, default_currency))
