"""Identity and customer upsert for a batch: one query per step, whatever the batch size.

Identities come back as plain records (attribute access, no ORM instrumentation): the ingest
hot path reads them thousands of times a second and never writes through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, literal, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from connectors.types import Author
from inbox.store.models import Customer, Identity
from inbox.store.sql import (
    Record,
    dialect_of,
    in_list,
    in_pairs,
    insert_ignore,
    insert_with_ids,
    list_param,
    pair_params,
    records,
)


def upsert_identities(
    session: Session,
    authors: Sequence[tuple[str, Author]],
    now: datetime,
    created: dict[int, dict[str, Any]] | None = None,
) -> dict[tuple[str, str], Record]:
    """Return the identity for every (network, author); new authors get a new customer.

    Known identities have their profile refreshed (followers change). Concurrent creators are
    tolerated: on PostgreSQL the identity insert ignores conflicts and the loser's spare customer
    is removed; on SQLite the transaction's write lock keeps them out. `created`, when given,
    receives each customer this call created and kept (id -> the row inserted), so the caller
    need not read back what it has.
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
        if len(missing) == 1 and dialect_of(session) == "postgresql":
            _insert_one_or_adopt(session, missing[0], wanted[missing[0]], customer_rows[0], found, now)
        else:
            mine = {
                _key(k): cid
                for k, cid in zip(missing, insert_with_ids(session, _CUSTOMERS, customer_rows), strict=True)
            }
            new_rows = {k: _identity_row(k[0], wanted[k], mine[_key(k)], now) for k in missing}
            if dialect_of(session) == "sqlite":
                _insert_new(session, new_rows, found)
            else:
                _insert_or_adopt(session, new_rows, mine, found)
        if created is not None:
            kept = {found[k].customer_id for k in missing}
            created.update((row["id"], row) for row in customer_rows if row["id"] in kept)
    refresh = [
        {
            "_id": found[k].id,
            "followers": a.followers,
            "display_name": a.display_name or found[k].display_name,
            "handle": a.handle or found[k].handle,
            "verified": a.verified,
        }
        for k, a in wanted.items()
        if k not in missing_set and (found[k].followers != a.followers or found[k].verified != a.verified)
    ]
    if refresh:
        session.execute(_IDENTITIES.update().where(_IDENTITIES.c.id == bindparam("_id")), refresh)
        by_id = {i.id: i for i in found.values()}
        for row in refresh:  # mirror the UPDATE in the records handed back
            for attr in ("followers", "verified", "display_name", "handle"):
                setattr(by_id[row["_id"]], attr, row[attr])
    return found


def _insert_new(
    session: Session, new_rows: dict[tuple[str, str], dict], found: dict[tuple[str, str], Record]
) -> None:
    """SQLite: one plain bulk insert. The transaction has held the database's write lock since
    its BEGIN IMMEDIATE, before `_load` ran, so no other writer can have added these identities
    in between; the ids are known up front (`insert_with_ids`), no RETURNING needed."""
    rows = list(new_rows.values())
    insert_with_ids(session, _IDENTITIES, rows)  # sets each row's "id"
    for key, row in zip(new_rows, rows, strict=True):
        found[key] = Record(row)


def _insert_or_adopt(
    session: Session,
    new_rows: dict[tuple[str, str], dict],
    mine: dict[str, int],
    found: dict[tuple[str, str], Record],
) -> None:
    """PostgreSQL: insert ignoring conflicts; an identity a concurrent writer created first is
    loaded and adopted, and the customer made for it here is removed again."""
    for iid, channel, external_id in session.execute(
        insert_ignore(session, _IDENTITIES, ["channel", "external_id"]).returning(
            _IDENTITIES.c.id, _IDENTITIES.c.channel, _IDENTITIES.c.external_id
        ),
        list(new_rows.values()),
    ):
        found[(channel, external_id)] = Record({**new_rows[(channel, external_id)], "id": iid})
    lost = [k for k in new_rows if k not in found]
    if lost:
        found.update(_load(session, lost))
    orphans = [mine[_key(k)] for k in new_rows if found[k].customer_id != mine[_key(k)]]
    if orphans:
        d = dialect_of(session)
        session.execute(
            _CUSTOMERS.delete().where(in_list(d, _CUSTOMERS.c.id, "ids")), {"ids": list_param(d, orphans)}
        )


def _insert_one_or_adopt(
    session: Session,
    key: tuple[str, str],
    author: Author,
    customer_row: dict[str, Any],
    found: dict[tuple[str, str], Record],
    now: datetime,
) -> None:
    """PostgreSQL, one new author (a webhook's usual batch): the customer and the identity in one
    statement (`_one_new`, a data-modifying CTE), one round trip where there were two. On a
    concurrent writer's identity (the insert ignores the conflict) that one is loaded and
    adopted, and the customer made here removed again, as in `_insert_or_adopt`."""
    identity = _identity_row(key[0], author, 0, now)
    values = {**{f"c_{k}": v for k, v in customer_row.items()}, **{f"i_{k}": v for k, v in identity.items()}}
    customer_id, identity_id = session.connection().execute(_one_new(), values).one()
    customer_row["id"] = identity["customer_id"] = customer_id
    if identity_id is not None:
        found[key] = Record({**identity, "id": identity_id})
        return
    found.update(_load(session, [key]))
    d = dialect_of(session)
    session.execute(
        _CUSTOMERS.delete().where(in_list(d, _CUSTOMERS.c.id, "ids")), {"ids": list_param(d, [customer_id])}
    )


_CUSTOMER_COLUMNS = (
    "first_identity_key",
    "name",
    "email",
    "created_at",
    "last_seen_at",
    "lifecycle_stage",
    "attributes",
)


@cache
def _one_new() -> Any:
    """`WITH c AS (INSERT INTO customers ... RETURNING id), i AS (INSERT INTO identities ...
    SELECT c.id, ... FROM c ON CONFLICT DO NOTHING RETURNING id) SELECT c.id, i.id FROM c LEFT
    JOIN i`: the customer's id always, the identity's None when a concurrent writer had it."""
    cust = (
        postgresql.insert(_CUSTOMERS)
        .values(
            {
                **{c: bindparam(f"c_{c}", type_=_CUSTOMERS.c[c].type) for c in _CUSTOMER_COLUMNS},
                **_scalar_defaults(_CUSTOMERS, _CUSTOMER_COLUMNS),
            }
        )
        .returning(_CUSTOMERS.c.id)
        .cte("c")
    )
    columns = [c for c in _identity_row("", Author("", ""), 0, datetime.min) if c != "customer_id"]
    values = select(cust.c.id, *(bindparam(f"i_{c}", type_=_IDENTITIES.c[c].type) for c in columns))
    ident = (
        postgresql.insert(_IDENTITIES)
        .from_select(["customer_id", *columns], values)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(_IDENTITIES.c.id)
        .cte("i")
    )
    return select(cust.c.id, ident.c.id.label("identity_id")).select_from(cust.outerjoin(ident, true()))


def _scalar_defaults(table: Any, given: Sequence[str]) -> dict[str, Any]:
    """The columns' constant Python-side defaults, as literals: in a CTE SQLAlchemy renders
    them as parameters but never fills them in (only a top-level INSERT's defaults are)."""
    return {
        c.name: literal(c.default.arg, c.type)
        for c in table.c
        if c.name not in given and c.default is not None and c.default.is_scalar and c.default.arg is not None
    }


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


_CUSTOMERS = Customer.__table__
_IDENTITIES = Identity.__table__


@cache
def _by_keys(dialect: str) -> Any:
    """Identities by (channel, external id), built once per dialect (see `inbox.ingest.reads.queries`)."""
    return select(_IDENTITIES).where(
        in_pairs(dialect, (_IDENTITIES.c.channel, _IDENTITIES.c.external_id), "keys")
    )


def _load(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Record]:
    out: dict[tuple[str, str], Record] = {}
    d = dialect_of(session)
    for ident in records(session.connection().execute(_by_keys(d), pair_params(d, "keys", keys))):
        out[(ident.channel, ident.external_id)] = ident
    return out
