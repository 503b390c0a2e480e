"""Per-author sums of whole months, kept in the process while their months do not change.

Top authors sum one `rollup_authors` row per author, month and channel of a period: about 99,000
rows for the one-year bench's 365 days, summed and joined on every request, the largest fixed
cost of a year-long dashboard on PostgreSQL. A closed month's rows change only when a fold adds
a late change to them (a correction, a deleted message), and every such fold gives the month a
new random token in `rollup_generations` in its own transaction (migration 0013_pgdash,
`bump_sql`). So the sums over a period's whole months are kept here under the tokens they were
summed with, read in the same snapshot as the rollups; a request whose months all still carry
those tokens reuses them and reads only what is not whole months (days of partial months, the
changes not yet folded, the ragged ends). A month without a token has no author rows (0013_pgdash
gave one to every month that had rows, and every fold into a month renews it).

Exact by construction: a token is never reused (random, not a counter), so an emptied and
refilled table cannot match an old entry; `tests/service/test_author_cache.py` changes every
kind of input a month's sums depend on and checks the next answer equals a recount.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from inbox.insights.reporting_filters import Filters
from inbox.store.models import RollupGeneration

MAX_ENTRIES = 4  # a year of the bench's authors is about 10 MB of sums
_G = RollupGeneration.__table__
_FOUR_DAYS = timedelta(days=4)


def bump_sql(dialect: str, month: str, batch: str) -> str:
    """Give every month of the batch's author rows a new token (bound as `token`), in key order
    like the rest of the fold, so concurrent folds on PostgreSQL cannot deadlock on it."""
    mark = "%(token)s" if dialect == "postgresql" else ":token"
    return (
        f"INSERT INTO rollup_generations (month, token) SELECT DISTINCT {month}, {mark} "
        f"FROM rollup_pending p WHERE {batch} AND p.conv_label = '' AND p.author_identity_id IS NOT NULL "
        "ORDER BY 1 ON CONFLICT (month) DO UPDATE SET token = excluded.token"
    )


@dataclass(frozen=True)
class Sums:
    """Authors' (messages, negative) over some whole months, and the authors by messages, most
    first (then by id), for the top-ten without sorting on every request."""

    counts: dict[int, tuple[int, int]]
    ranked: list[tuple[int, int]]  # (messages, author)
    positive: int  # authors with messages > 0


_entries: OrderedDict[tuple[Any, ...], Sums] = OrderedDict()
_lock = threading.Lock()


def _months(spans: list[tuple[datetime, datetime, int]]) -> tuple[datetime, datetime]:
    return min(a for a, _, _ in spans), max(b for _, b, _ in spans)


def month_sums(
    s: Session,
    f: Filters,
    spans: list[tuple[datetime, datetime, int]],
    query: Callable[[], Select[Any]],
) -> Sums:
    """The sums over the signed whole-month `spans` ((from, to, sign), month starts), from this
    process's cache when every month in them has the token it had when they were summed, else
    by running `query()` (author, n, neg rows) in this session's snapshot and keeping the result."""
    lo, hi = _months(spans)
    tokens = s.execute(select(_G.c.month, _G.c.token).where(_G.c.month >= lo, _G.c.month < hi)).all()
    have = {m: t for m, t in tokens}
    wanted = []
    for a, b, _ in spans:
        m = a
        while m < b:
            # No token: no author row was ever folded into the month since 0013_pgdash (which
            # gave every month with rows one). The first fold into it gives it one, so an empty
            # month's sums are kept under None until then.
            wanted.append((m, have.get(m)))
            m = (m.replace(day=28) + _FOUR_DAYS).replace(day=1)
    key = (f.channel, f.language, tuple(spans), tuple(wanted))
    with _lock:
        hit = _entries.get(key)
        if hit is not None:
            _entries.move_to_end(key)
            return hit
    counts = {int(a): (int(n), int(neg or 0)) for a, n, neg in s.execute(query()) if a is not None}
    ranked = sorted(((n, a) for a, (n, _) in counts.items()), key=lambda x: (-x[0], x[1]))
    sums = Sums(counts, ranked, sum(1 for n, _ in ranked if n > 0))
    with _lock:
        _entries[key] = sums
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return sums


def clear() -> None:
    """Forget every entry (tests that compare a cold read with a warm one)."""
    with _lock:
        _entries.clear()


def size() -> int:
    with _lock:
        return len(_entries)
