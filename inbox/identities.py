"""Identity and customer upsert for a batch: one query per step, whatever the batch size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    missing_set = set(missing)
    if missing:
        customer_rows = [
            {
                "first_identity_key": _key(k),
                "name": wanted[k].display_name or wanted[k].handle,
                "email": wanted[k].email,
                "created_at": now,
                "last_seen_at": now,
                "lifecycle_stage": "awareness",
                "attributes": {},
            }
            for k in missing
        ]
        # RETURNING gives back exactly the rows this statement inserted; match them by key, not order.
        mine = dict(
            (key, cid)
            for cid, key in session.execute(
                insert(Customer).returning(Customer.id, Customer.first_identity_key), customer_rows
            )
        )
        session.execute(
            insert_ignore(session, Identity, ["channel", "external_id"]),
            [_identity_row(k[0], wanted[k], mine[_key(k)], now) for k in missing],
        )
        found.update(_load(session, missing))
        orphans = [mine[_key(k)] for k in missing if found[k].customer_id != mine[_key(k)]]
        if orphans:
            session.execute(Customer.__table__.delete().where(Customer.id.in_(orphans)))
    refresh = [
        {"id": found[k].id, "followers": a.followers, "display_name": a.display_name or found[k].display_name,
         "handle": a.handle or found[k].handle, "verified": a.verified}
        for k, a in wanted.items()
        if k not in missing_set and (found[k].followers != a.followers or found[k].verified != a.verified)
    ]
    if refresh:
        session.execute(update(Identity), refresh)
        by_id = {i.id: i for i in found.values()}
        for row in refresh:  # mirror the bulk UPDATE in memory without marking the objects dirty
            for attr in ("followers", "verified", "display_name", "handle"):
                set_committed_value(by_id[row["id"]], attr, row[attr])
    return found


def _key(key: tuple[str, str]) -> str:
    return f"{key[0]}\x1f{key[1]}"


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
