"""Sums over whole months of the rollups, kept in the process while their months do not change.

A year-long dashboard sums, on every request, rollup rows that have not changed for months: top
authors one `rollup_authors` row per author, month and channel (about 99,000 rows for the
one-year bench's 365 days, the largest fixed cost of the request on PostgreSQL), rising terms
tens of thousands of `rollup_terms` month rows per window. A closed month's rows change only
when a fold adds a late change to them (a correction, a deleted message, a late import), and
every such fold gives the month a new random token in `rollup_generations` in its own
transaction (migration 0013_pgdash, `bump_sql`). So the sums over a period's whole months are
kept here under the tokens they were summed with, read in the same snapshot as the rollups; a
request whose months all still carry those tokens reuses them and reads only what is not whole
months (days of partial months, the changes not yet folded, the ragged ends). A month without
a token has no rows (0013_pgdash gave one to every month that had rows, and every fold into a
month renews it), so its sums are kept under "no token" until a fold writes into it.

Exact by construction: a token is never reused (random, not a counter), so an emptied and
refilled table cannot match an old entry; `tests/service/test_month_cache.py` changes every
kind of input a month's sums depend on and checks the next answer equals a recount.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from inbox.insights.reporting_filters import Filters
from inbox.store.models import RollupGeneration

MAX_ENTRIES = 8  # a year of the bench's authors is about 10 MB of sums, a term window far less
SMALL_ENTRIES = 64  # `kept`'s values: a span's day rows or an edge's terms, a few hundred kB at most
SNAPSHOT = "murmur.snapshot"  # set in `Session.info` by `inbox.insights.rollups.snapshot`
_TOKENS = "murmur.month_tokens"
_G = RollupGeneration.__table__
_FOUR_DAYS = timedelta(days=4)
T = TypeVar("T")


def bump_sql(dialect: str, month: str, batch: str) -> str:
    """Give every month of the batch's rows that count every message (the author and term
    rollups' source) a new token (bound as `token`), in key order like the rest of the fold, so
    concurrent folds on PostgreSQL cannot deadlock on it."""
    mark = "%(token)s" if dialect == "postgresql" else ":token"
    return (
        f"INSERT INTO rollup_generations (month, token) SELECT DISTINCT {month}, {mark} "
        f"FROM rollup_pending p WHERE {batch} AND p.conv_label = '' "
        "ORDER BY 1 ON CONFLICT (month) DO UPDATE SET token = excluded.token"
    )


@dataclass(frozen=True)
class Sums:
    """Authors' (messages, negative) over some whole months, and the authors by messages, most
    first (then by id), for the top-ten without sorting on every request."""

    counts: dict[int, tuple[int, int]]
    ranked: list[tuple[int, int]]  # (messages, author)
    positive: int  # authors with messages > 0


_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_small: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()


def tokens(s: Session) -> dict[datetime, str]:
    """Every month's token (one row per month of history), read once per snapshot: a request
    that asks for them three or four times (authors, terms, volume) made a round trip each."""
    memo = s.info.get(_TOKENS)
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    have = dict(s.execute(select(_G.c.month, _G.c.token)).all())
    if s.info.get(SNAPSHOT):  # the same answer until the snapshot ends (REPEATABLE READ, SQLite's BEGIN)
        s.info[_TOKENS] = have
    return have


def _months(have: dict[datetime, str], lo: datetime, hi: datetime) -> list[tuple[datetime, str | None]]:
    """(month, token) of every month that [lo, hi) touches."""
    out = []
    m = lo.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while m < hi:
        out.append((m, have.get(m)))
        m = (m.replace(day=28) + _FOUR_DAYS).replace(day=1)
    return out


def kept(s: Session, what: tuple[Any, ...], lo: datetime, hi: datetime, build: Callable[[], T]) -> T:
    """`build()`'s value for rows of [lo, hi) that only a fold changes (day rows of the rollups
    that count every message, or, with the pending changes' ids in `what`, an edge's messages),
    kept under `what` and the tokens of the months [lo, hi) touches. Kept only while every one of
    those months has a token: a fold into a month gives it a new one, so a token names one state
    of the month's rollups in one database (a month without a token may be a fresh database's)."""
    months = _months(tokens(s), lo, hi)
    if any(t is None for _, t in months) or not s.info.get(SNAPSHOT):
        return build()
    key = (*what, lo, hi, tuple(months))
    with _lock:
        if key in _small:
            _small.move_to_end(key)
            return _small[key]  # type: ignore[no-any-return]
    value = build()
    with _lock:
        _small[key] = value
        while len(_small) > SMALL_ENTRIES:
            _small.popitem(last=False)
    return value


def cached(
    s: Session, what: tuple[Any, ...], spans: list[tuple[datetime, datetime, int]], build: Callable[[], T]
) -> T:
    """`build()`'s value for the signed whole-month `spans` ((from, to, sign), month starts),
    kept under `what` (what is summed, with the filters) and the months' current tokens, read in
    this session's snapshot: from the cache while every month has the token it had, else built
    (in the same snapshot) and kept."""
    lo, hi = min(a for a, _, _ in spans), max(b for _, b, _ in spans)
    read = select(_G.c.month, _G.c.token).where(_G.c.month >= lo, _G.c.month < hi)
    have = tokens(s)
    wanted = []
    for a, b, _ in spans:
        m = a
        while m < b:
            wanted.append((m, have.get(m)))
            m = (m.replace(day=28) + _FOUR_DAYS).replace(day=1)
    key = (*what, tuple(spans), tuple(wanted))
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]  # type: ignore[no-any-return]
    value = build()
    if not s.info.get(SNAPSHOT) and dict(s.execute(read).all()) != {m: have[m] for m in have if lo <= m < hi}:
        # a fold committed while this was summed: possible only outside one snapshot (READ
        # COMMITTED on PostgreSQL), where the sums may hold rows newer than the tokens; not kept
        return value
    with _lock:
        _entries[key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def month_sums(
    s: Session, f: Filters, spans: list[tuple[datetime, datetime, int]], query: Callable[[], Select[Any]]
) -> Sums:
    """Per-author sums over the whole-month `spans`: `query()` gives (author, n, neg) rows."""

    def build() -> Sums:
        counts = {int(a): (int(n), int(neg or 0)) for a, n, neg in s.execute(query()) if a is not None}
        ranked = sorted(((n, a) for a, (n, _) in counts.items()), key=lambda x: (-x[0], x[1]))
        return Sums(counts, ranked, sum(1 for n, _ in ranked if n > 0))

    return cached(s, ("authors", f.channel, f.language), spans, build)


def clear() -> None:
    """Forget every entry (tests that compare a cold read with a warm one)."""
    with _lock:
        _entries.clear()
        _small.clear()


def size() -> int:
    with _lock:
        return len(_entries)
