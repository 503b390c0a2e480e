"""Answer times as slots of a log-scaled histogram, in SQL and in Python, and medians from them.

A median needs the sorted values, which no sum can keep; a histogram can, approximately. Slot
`k` holds the times `t` (seconds) with `floor(ln(t + 1) * K) = k`, K = 4 / ln 2: four slots per
doubling, so a slot spans a factor of 2^(1/4) of `t + 1`. A median estimated inside its slot
(interpolated by rank, in log space) is off by at most that factor, and by half of it for a
value in the middle of its slot: `ERROR` is the bound the dashboard states. A year of answer
times (seconds to months) fills about 80 slots per channel and language.

The SQL forms are what the fold (`inbox.insights.dashboard_rollups.service`) writes with, and
the Python `slot` is what a test recounts with; both take the time the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from inbox.store.models.rollups import LATE, MET, NO_SLA, OPEN

SLOTS_PER_DOUBLING = 4
_K = SLOTS_PER_DOUBLING / math.log(2)
ERROR = 2 ** (1 / SLOTS_PER_DOUBLING) - 1  # at most this much of (seconds + 1) off: 18.9%
TYPICAL_ERROR = 2 ** (1 / (2 * SLOTS_PER_DOUBLING)) - 1  # half a slot: 9.1%


def slot(seconds: float) -> int:
    """The histogram slot of an answer time (negative times, clock skew, count as 0)."""
    return math.floor(math.log(max(seconds, 0.0) + 1.0) * _K)


def seconds_sql(dialect: str, done: str, start: str) -> str:
    """`done - start` in seconds, as the service figures have always taken it."""
    if dialect == "postgresql":
        return f"CAST(extract(epoch from ({done} - {start})) AS double precision)"
    return f"((julianday({done}) - julianday({start})) * 86400.0)"


def slot_sql(dialect: str, seconds: str) -> str:
    """SQL for `slot(seconds)`. SQLite's julianday arithmetic is off in the tenth decimal, so its
    seconds are rounded to the millisecond first (the times are stored to the microsecond)."""
    if dialect == "postgresql":
        return f"CAST(floor(ln(greatest({seconds}, 0) + 1) * {_K!r}) AS integer)"
    return f"CAST(floor(ln(max(round({seconds}, 3), 0) + 1) * {_K!r}) AS integer)"


def outcome_sql(done: str, due: str) -> str:
    """The SLA outcome slot of a conversation, independent of the time of the question."""
    return (
        f"CASE WHEN {due} IS NULL THEN {NO_SLA} WHEN {done} IS NULL THEN {OPEN} "
        f"WHEN {done} <= {due} THEN {MET} ELSE {LATE} END"
    )


def median(histogram: Mapping[int, int]) -> float | None:
    """The median time estimated from slot counts: the middle rank(s) located in their slot and
    placed by rank inside it, in log space (the mean of the two middle ones for an even count)."""
    n = sum(c for c in histogram.values() if c > 0)
    if n <= 0:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    values = []
    before = 0
    for k in sorted(k for k, c in histogram.items() if c > 0):
        c = histogram[k]
        for rank in wanted:
            if before <= rank < before + c:
                values.append(math.exp((k + (rank - before + 0.5) / c) / _K) - 1.0)
        before += c
    return round(sum(values) / len(values), 1)
