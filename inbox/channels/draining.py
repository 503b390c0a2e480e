"""Inbound deliveries for the scaled mode, drained: a worker ingests each lane's recorded messages
(`inbox.channels.inbound`) in arrival order, one holder per lane at a time.

Ordering and exactly-once come from the database, not from timing:
* a conversation's messages are in one lane (`inbound.lane_of`), drained in arrival order (the
  row id) by one holder at a time;
* the holder's lease is a row in `inbound_lanes`; the first batch claims it and every later one
  renews it, inside the batch's own transaction (the row lock lasts until commit), so a holder
  whose lease was taken over commits nothing, and a new holder waits for the old one's open
  batch to finish; the batch that empties the lane also releases it;
* a batch is ingested and its rows deleted in one transaction: a worker killed mid-batch
  leaves the rows (and the lane unclaimed) for the next holder, and a row once ingested is gone.
A lane whose holder died is free again when its lease runs out; `due_lanes` finds lanes with
work and no live holder (the periodic sweep and a starting worker use it).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from inbox.channels.inbound import decode
from inbox.channels.pipelined import claim_and_read, together
from inbox.ingest import IngestResult, ingest_in
from inbox.store import settings_cache
from inbox.store.context import Inbox
from inbox.store.models import ChannelAccount, InboundDelivery, InboundLane, Message
from inbox.store.retry import retry_conflicts
from inbox.store.sql import Record, dialect_of, in_list, list_param

LEASE = timedelta(seconds=10)
BATCH = 200  # messages ingested per transaction: one batch of 200 costs far less than 200 of one


@dataclass
class Drained:
    stored: int = 0
    duplicates: int = 0
    batches: int = 0
    claimed: bool = False  # False: another holder had the lane (it drains what was recorded)
    lost_lease: bool = False


class LeaseLost(Exception):
    """Another holder took the lane over (our lease ran out): stop, commit nothing more."""


def drain_lane(
    inbox: Inbox,
    channel_id: int,
    lane: int,
    batch: int = BATCH,
    on_release: Callable[[], Any] | None = None,
) -> Drained:
    """Ingest a lane's waiting messages in arrival order, `batch` at a time, until it is empty.

    Returns at once (claimed=False) when another holder has the lane: that holder looks again
    before releasing it, so a message recorded meanwhile is not stranded. `on_release` runs when
    a batch found the lane empty, inside that batch's transaction and before its last look (the
    web side's "drain pending" flag is cleared there, so a message recorded after the look wakes
    a new drain, whose claim waits for this transaction and then finds the lane free).

    A lane holding one message, the usual case when webhooks come one at a time, is drained in
    one transaction: claim, ingest, delete, look, release. Each transaction costs some round
    trips to the database, and on a busy machine every round trip waits for a core.
    """
    release = None if on_release is None else (lambda _lane: on_release())
    return drain_lanes(inbox, channel_id, (lane,), batch, release)


def drain_lanes(
    inbox: Inbox,
    channel_id: int,
    lanes: Sequence[int],
    batch: int = BATCH,
    on_release: Callable[[int], Any] | None = None,
) -> Drained:
    """`drain_lane` for several lanes of one channel at once: those it can claim are drained
    together, each batch one transaction over all of them (a worker that fell behind pays a
    batch's fixed costs, about twenty statements, once for several woken lanes instead of once
    for each). Order holds per conversation as for one lane: a conversation is in one lane, and
    a lane has one holder. `on_release(lane)` runs for each lane found empty, before the look."""
    holder = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    out = Drained()
    held = tuple(sorted(set(lanes)))  # claimed in order: two drains cannot deadlock on lane rows
    while held:
        claiming = not out.claimed
        try:
            step = retry_conflicts(
                lambda c=claiming, h=held: _batch(inbox, channel_id, h, holder, batch, on_release, claiming=c)
            )
        except LeaseLost:
            out.lost_lease = True
            return out
        if step is None:  # another holder has every one of them
            return out
        out.claimed = True
        out.stored += step.stored
        out.duplicates += step.duplicates
        out.batches += 1 if step.taken else 0
        held = step.held
    return out


def due_lanes(inbox: Inbox) -> list[tuple[int, int]]:
    """(channel, lane) pairs with waiting messages and no live holder: after a restart, a killed
    worker or a lost task message, these would otherwise wait for the next webhook."""
    with inbox.read() as s:
        now = inbox.clock()
        d, lanes = InboundDelivery.__table__, InboundLane.__table__
        held = select(lanes.c.channel_account_id, lanes.c.lane).where(lanes.c.lease_until >= now).subquery()
        query = (
            select(d.c.channel_account_id, d.c.lane)
            .distinct()
            .outerjoin(
                held, (held.c.channel_account_id == d.c.channel_account_id) & (held.c.lane == d.c.lane)
            )
            .where(held.c.lane.is_(None))
            .order_by(d.c.channel_account_id, d.c.lane)
        )
        return [(ch, lane) for ch, lane in s.execute(query)]


def _claim(inbox: Inbox, channel_id: int, lane: int, holder: str) -> bool:
    """Take the lane in a transaction of its own (a holder that then does nothing: for tests that
    stage another worker's live lease)."""
    with inbox.unit_of_work() as uow:
        conn = uow.session.connection()
        params = {"ch": channel_id, "ln": lane, "me": holder, "now": inbox.clock()}
        params["until"] = params["now"] + LEASE
        return conn.execute(_queries(dialect_of(uow.session)).claim, params).first() is not None


@dataclass(frozen=True)
class _Step:
    stored: int
    duplicates: int
    taken: int  # rows taken from the lanes
    held: tuple[int, ...]  # lanes still held after the batch (not found empty)


def _batch(
    inbox: Inbox,
    channel_id: int,
    lanes: tuple[int, ...],
    holder: str,
    size: int,
    on_release: Callable[[int], Any] | None = None,
    claiming: bool = False,
) -> _Step | None:
    """One transaction: claim the lanes (`claiming`; those another holder has are left out) or
    renew our lease on them (their row locks held to commit), ingest their oldest `size`
    messages and delete the rows; when that emptied them, run `on_release` for each, look once
    more and release those still empty. None when no lane could be claimed; LeaseLost when a
    lease we held was taken over (renewing)."""
    with inbox.unit_of_work() as uow:
        conn = uow.session.connection()
        q = _queries(dialect_of(uow.session))
        now = inbox.clock()
        lease = {"ch": channel_id, "me": holder, "now": now, "until": now + LEASE}
        dialect = conn.dialect.name
        rows: Sequence[Any] | None = None
        if claiming and dialect == "postgresql" and len(lanes) == 1:
            # the usual lone lane: its claim and first read sent together (see `claim_and_read`)
            found = claim_and_read(
                conn, q, {**lease, "ln": lanes[0]}, _oldest_params(dialect, channel_id, lanes, size)
            )
            if found is None:
                return None
            rows = found
        elif claiming:
            lanes = tuple(ln for ln in lanes if conn.execute(q.claim, {**lease, "ln": ln}).first())
            if not lanes:
                return None
        else:
            for ln in lanes:
                if conn.execute(q.renew, {**lease, "ln": ln}).rowcount != 1:
                    raise LeaseLost(f"lane {channel_id}/{ln} was taken over")
        mine = {"ch": channel_id, "lns": list_param(dialect, lanes)}
        if rows is None:
            # the rows with their channel's id, team and settings' tokens, and whether each
            # message is stored already (ingest's dedup): one round trip where there were three
            rows = conn.execute(q.oldest, _oldest_params(dialect, channel_id, lanes, size)).all()
        result = IngestResult(0, 0)
        # PostgreSQL: ingest's last writes (they return nothing) go with our closing statement
        later: list[Any] | None = [] if dialect == "postgresql" else None
        if rows:
            settings_cache.remember(conn, rows[0])
            account = Record({"id": channel_id, "team_id": rows[0].team_id})
            stored = {r.external_id for r in rows if r.stored}
            messages = [decode(r.payload) for r in rows]
            result = ingest_in(uow, inbox, account, messages, stored, later)
        taken = list_param(dialect, [r.id for r in rows])
        if len(rows) == size:  # a full batch: more wait, the lanes stay held
            if later is not None:
                together(conn, [*later, (q.forget, {"ids": taken})])
            else:
                conn.execute(q.forget, {"ids": taken})
            return _Step(result.stored, result.duplicates, len(rows), lanes)
        # The lanes looked empty. Clear their flags, then look: on PostgreSQL (read committed)
        # the look sees what was recorded since the batch began; what is recorded after it wakes
        # a new drain (the flag is clear), which claims the lane once this commits.
        if on_release is not None:
            for ln in lanes:
                on_release(ln)
        if later is not None:  # delete, look and release in one statement, after ingest's writes
            settled = together(conn, [*later, (q.settle, {**lease, **mine, "ids": taken})])[-1]
            busy = {next(iter(r.values())) for r in settled}
        else:
            if rows:
                conn.execute(q.forget, {"ids": taken})
            busy = set(conn.execute(q.busy, mine).scalars())
            for ln in lanes:
                if ln not in busy:
                    conn.execute(q.release, {**lease, "ln": ln})
        held = tuple(ln for ln in lanes if ln in busy)
        return _Step(result.stored, result.duplicates, len(rows), held)


def _oldest_params(dialect: str, channel_id: int, lanes: tuple[int, ...], size: int) -> dict[str, Any]:
    return {"ch": channel_id, "lns": list_param(dialect, lanes), "n": size}


@cache
def _queries(dialect: str) -> Any:
    """The drain's statements, built once per dialect (a lane is drained many times a second)."""
    from types import SimpleNamespace

    d, lanes, acc = InboundDelivery.__table__, InboundLane.__table__, ChannelAccount.__table__
    this_lane = (lanes.c.channel_account_id == bindparam("ch")) & (lanes.c.lane == bindparam("ln"))
    mine = this_lane & (lanes.c.holder == bindparam("me"))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claim = insert(lanes).values(
        channel_account_id=bindparam("ch"),
        lane=bindparam("ln"),
        holder=bindparam("me"),
        lease_until=bindparam("until", type_=lanes.c.lease_until.type),
    )
    # Free, run out, or ours already. Under a concurrent claim or an open batch of the holder,
    # PostgreSQL waits for that row lock and then judges this against the committed row.
    claim = claim.on_conflict_do_update(
        index_elements=["channel_account_id", "lane"],
        set_={"holder": claim.excluded.holder, "lease_until": claim.excluded.lease_until},
        where=or_(
            lanes.c.lease_until.is_(None),
            lanes.c.lease_until < bindparam("now", type_=lanes.c.lease_until.type),
            lanes.c.holder == bindparam("me"),
        ),
    ).returning(lanes.c.lane)
    msgs = Message.__table__
    in_lanes = (d.c.channel_account_id == bindparam("ch"), in_list(dialect, d.c.lane, "lns"))
    stored = (
        select(msgs.c.id)
        .where(msgs.c.channel_account_id == d.c.channel_account_id, msgs.c.external_id == d.c.external_id)
        .exists()
    )
    release = lanes.update().where(mine).values(holder=None, lease_until=None)
    busy = select(d.c.lane).distinct().where(*in_lanes)
    return SimpleNamespace(
        claim=claim,
        renew=lanes.update()
        .where(mine)
        .values(lease_until=bindparam("until", type_=lanes.c.lease_until.type)),
        release=release,
        # the channel's team and the settings' tokens ride along (inbox.store.settings_cache),
        # and whether each message is stored already; a deleted channel's rows are not read
        oldest=select(
            d.c.id,
            d.c.payload,
            d.c.external_id,
            stored.label("stored"),
            acc.c.team_id,
            *settings_cache.token_columns(),
        )
        .join(acc, acc.c.id == d.c.channel_account_id)
        .where(*in_lanes)
        .order_by(d.c.id)
        .limit(bindparam("n")),
        busy=busy,
        forget=delete(d).where(in_list(dialect, d.c.id, "ids")),
        settle=_settle(dialect, d, lanes) if dialect == "postgresql" else None,
    )


def _settle(dialect: str, d: Any, lanes: Any) -> Any:
    """PostgreSQL: delete the batch's rows, look for rows left in the lanes and release those
    found empty, in one statement (three round trips before). Its parts share one snapshot, so
    the look leaves out the rows deleted beside it by id; it sees every row recorded before
    the statement began, as the separate look did."""
    gone = delete(d).where(in_list(dialect, d.c.id, "ids")).returning(d.c.id).cte("gone")
    busy = (
        select(d.c.lane)
        .distinct()
        .where(
            d.c.channel_account_id == bindparam("ch"),
            in_list(dialect, d.c.lane, "lns"),
            d.c.id.not_in(select(gone.c.id)),
        )
        .cte("busy")
    )
    released = (
        lanes.update()
        .where(
            lanes.c.channel_account_id == bindparam("ch"),
            in_list(dialect, lanes.c.lane, "lns"),
            lanes.c.holder == bindparam("me"),
            lanes.c.lane.not_in(select(busy.c.lane)),
        )
        .values(holder=None, lease_until=None)
        .returning(lanes.c.lane)
        .cte("released")
    )
    return select(busy.c.lane).add_cte(released)
