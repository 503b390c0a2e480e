"""Influencers by reach from per-author counts kept in Python (`authors.cached_top`).

The ten most followed identities that wrote in the period (then most messages, then lowest id).
Identities' followers are not rollups (no trigger follows them), so they are read at every
request, level by level from the top of `ix_identities_followers`: a level is all identities
with the same follower count. A small level is read whole and its writers kept; a large one
(the one-year bench has five levels of about 17,000 identities each, so reading the top level
was most of the request) is served the other way round: the period's writers in order of their
messages are looked up by id, a growing chunk at a time, until the level's free places are filled,
which on such data takes one chunk. Either way the answer is the one the grouped SQL gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inbox.store.models import Identity
from inbox.store.sql import in_list, list_param

TOP = 10
IDENTITY = (
    Identity.id,
    Identity.customer_id,
    Identity.handle,
    Identity.display_name,
    Identity.channel,
    Identity.followers,
)
SMALL_LEVEL = 2_000  # identities with one follower count read whole up to this many
# writers looked up by id in a large level, a growing chunk at a time (4,000 in all before the
# level is read whole instead): on the one-year bench a fifth of the writers are in each large
# level, so the first 125 fill ten places, where a first chunk of 1,000 probed 1,000 ids
CHUNKS = (125, 375, 1_500, 2_000)


def entry(r: Any, n: int, neg: int | None) -> dict[str, Any]:
    """An author as the dashboard's JSON has it."""
    return {
        "identity_id": r.id,
        "customer_id": r.customer_id,
        "handle": r.handle,
        "display_name": r.display_name,
        "channel": r.channel,
        "followers": r.followers,
        "messages": int(n),
        "negative": int(neg or 0),
    }


def by_reach(
    s: Session, count: Callable[[int], tuple[int, int]], writers: Callable[[], Iterator[int]]
) -> list[dict[str, Any]]:
    """`count(id)`: an identity's (messages, negative) in the period; `writers()`: the ids of
    those with messages > 0, most messages first, then lowest id."""
    d = s.get_bind().dialect.name
    out: list[dict[str, Any]] = []
    below: int | None = None
    while len(out) < TOP:
        top = select(func.max(Identity.followers))
        if below is not None:
            top = top.where(Identity.followers < below)
        level = top.scalar_subquery()
        rows = s.execute(select(*IDENTITY).where(Identity.followers == level).limit(SMALL_LEVEL + 1)).all()
        if not rows:
            return out
        below = rows[0].followers
        if len(rows) <= SMALL_LEVEL:
            found = [entry(r, *count(r.id)) for r in rows if count(r.id)[0] > 0]
        else:
            found = _large_level(s, d, below, TOP - len(out), count, writers())
        found.sort(key=lambda a: (-a["messages"], a["identity_id"]))
        out += found[: TOP - len(out)]
    return out


def _large_level(
    s: Session,
    d: str,
    followers: int,
    places: int,
    count: Callable[[int], tuple[int, int]],
    ids: Iterator[int],
) -> list[dict[str, Any]]:
    """The first `places` writers (in `ids`' order: most messages first) with `followers`."""
    q = select(*IDENTITY).where(in_list(d, Identity.id, "ids"), Identity.followers == followers)
    found: list[dict[str, Any]] = []
    for size in CHUNKS:
        chunk = list(islice(ids, size))
        if not chunk:
            return found
        rank = {a: i for i, a in enumerate(chunk)}
        rows = sorted(s.execute(q, {"ids": list_param(d, chunk)}).all(), key=lambda r: rank[r.id])
        found += [entry(r, *count(r.id)) for r in rows]
        if len(found) >= places:
            return found[:places]
    # a large level where few of the period's writers are: read it whole instead
    rows = s.execute(select(*IDENTITY).where(Identity.followers == followers)).all()
    return [entry(r, *count(r.id)) for r in rows if count(r.id)[0] > 0]
