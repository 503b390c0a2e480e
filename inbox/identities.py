"""Identity and customer upsert for a batch: one query per step, whatever the batch size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from connectors.types import Author
from inbox.models import Customer, Identity
from inbox.sql import insert_ignore


def upsert_identities(
    session: Session, authors: Sequence[tuple[str, Author]], now: datetime
) -> dict[tuple[str, str], Identity]:
    """Return the identity for every (network, author); new authors get a new customer.

    Known identities have their profile refreshed (followers change). Concurrent creators are
    tolerated: the identity insert ignores conflicts and the loser's spare customer is removed.
    """
    wanted: dict[tuple[str, str], Author] = {}
    for channel, author in authors:
        wanted[(channel, author.external_id)] = author
    found = _load(session, list(wanted))
    missing = [key for key in wanted if key not in found]
    if missing:
        customer_rows = [
            {
                "name": wanted[k].display_name or wanted[k].handle,
                "email": wanted[k].email,
                "created_at": now,
                "last_seen_at": now,
                "lifecycle_stage": "awareness",
                "attributes": {},
            }
            for k in missing
        ]
        ids = session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), customer_rows).all()
        session.execute(
            insert_ignore(session, Identity, ["channel", "external_id"]),
            [_identity_row(k[0], wanted[k], cid, now) for k, cid in zip(missing, ids, strict=True)],
        )
        found.update(_load(session, missing))
        orphans = [cid for k, cid in zip(missing, ids, strict=True) if found[k].customer_id != cid]
        if orphans:
            session.execute(Customer.__table__.delete().where(Customer.id.in_(orphans)))
    refresh = [
        {"id": found[k].id, "followers": a.followers, "display_name": a.display_name or found[k].display_name,
         "handle": a.handle or found[k].handle, "verified": a.verified}
        for k, a in wanted.items()
        if k not in missing and (found[k].followers != a.followers or found[k].verified != a.verified)
    ]
    if refresh:
        session.execute(update(Identity), refresh)
        for row in refresh:
            ident = next(i for i in found.values() if i.id == row["id"])
            ident.followers, ident.verified = row["followers"], row["verified"]
    return found


def _identity_row(channel: str, a: Author, customer_id: int, now: datetime) -> dict:
    return {
        "customer_id": customer_id,
        "channel": channel,
        "external_id": a.external_id,
        "handle": a.handle,
        "display_name": a.display_name,
        "profile_url": a.profile_url,
        "followers": a.followers,
        "verified": a.verified,
        "email": a.email,
        "phone": a.phone,
        "created_at": now,
    }


def _load(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Identity]:
    out: dict[tuple[str, str], Identity] = {}
    for i in range(0, len(keys), 400):
        chunk = keys[i : i + 400]
        rows = session.scalars(select(Identity).where(tuple_(Identity.channel, Identity.external_id).in_(chunk)))
        out.update({(r.channel, r.external_id): r for r in rows})
    return out
