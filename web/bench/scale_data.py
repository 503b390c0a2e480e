"""A year of a mid-size brand's traffic, fast: `build(url)` fills an empty database (SQLite or
PostgreSQL) through the migrations with 1,000,000 messages in 100,000 conversations over 365
days, 20 teams and 200 agents, 60% of conversations resolved (issue 22, `make bench-scale`).

Speed comes from bulk inserts (`inbox.store.sql.insert_rows`: the driver's executemany, through
the columns' own conversions) in chunks, and from scoring a pool of texts once: every message
reuses a pooled text with its real sentiment score. The triggers of the schema run as for any
writer (search index, rollup changes), and the rollups are folded at the end by the same job
code as in production, so the database is what a year of ingest would have left.

Shape: conversations start uniformly over the period; each has 1 to 19 messages (10 on average),
about 73% from the customer and the rest agent replies and notes, minutes to hours apart;
authors follow a long tail (a few customers write many conversations) and so do followers.

    python -m web.bench.scale_data sqlite:////tmp/year.db [messages]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, text

import sentiment
from inbox.insights import rollups
from inbox.store.db import make_engine
from inbox.store.models import (
    Agent,
    ChannelAccount,
    Conversation,
    ConversationLabel,
    Customer,
    Identity,
    Message,
    Team,
    agent_teams,
)
from inbox.store.schema import upgrade
from inbox.store.security import hash_password
from inbox.store.sql import insert_rows
from web.bench.common import texts

CHANNELS = ("mastodon", "bluesky", "webhook", "email", "reddit")
LABELS = ("billing", "shipping", "bug", "vip", "refund")
CHUNK = 20_000
END = datetime(2026, 12, 1, tzinfo=UTC)


def _defaults(table: Table) -> dict[str, Any]:
    """Every column's Python-side default, evaluated once, so rows take the fast insert path."""
    out = {}
    for c in table.columns:
        if c.default is None or c.primary_key:
            continue
        arg = c.default.arg  # type: ignore[union-attr]
        out[c.key] = arg(None) if callable(arg) else arg
    return out


def _insert(conn: Any, table: Table, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """Insert rows in chunks (each completed with the table's defaults); returns how many."""
    base = _defaults(table)
    chunk: list[dict[str, Any]] = []
    n = 0
    for row in rows:
        chunk.append({**base, **row})
        if len(chunk) >= CHUNK:
            insert_rows(conn, table, chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        insert_rows(conn, table, chunk)
        n += len(chunk)
    return n


class _Conn:
    """What `insert_rows` needs of a session, over a plain connection."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def connection(self) -> Any:
        return self._conn

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._conn.execute(*args, **kwargs)

    def get_bind(self) -> Any:
        return self._conn.engine


def _pool(size: int, rng: random.Random) -> list[tuple[str, str, float, str]]:
    """(text, language, compound, label) for `size` texts, each scored once."""
    out = []
    for t, hint in texts(size, seed=rng.randint(0, 1 << 30)):
        score = sentiment.score(t, hint)
        out.append((t, score.language, score.compound, score.label))
    return out


def build(
    url: str,
    messages: int = 1_000_000,
    conversations: int = 100_000,
    teams: int = 20,
    agents: int = 200,
    days: int = 365,
    seed: int = 22,
    log: Any = print,
) -> dict[str, float]:
    """Fill the (empty) database at `url`; returns the seconds each step took."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    upgrade(url)
    timings: dict[str, float] = {"migrate": time.perf_counter() - t0}
    engine = make_engine(url)
    start = END - timedelta(days=days)
    pool = _pool(600, rng)
    with engine.begin() as raw:
        conn = _Conn(raw)
        t = time.perf_counter()
        _insert(conn, Team.__table__, ({"id": i + 1, "name": f"Team {i + 1}"} for i in range(teams)))
        pw = hash_password("bench-password")
        _insert(
            conn,
            Agent.__table__,
            (
                {
                    "id": i + 1,
                    "email": f"agent{i + 1}@example.com",
                    "name": f"Agent {i + 1}",
                    "password_hash": pw,
                }
                | ({"role": "supervisor"} if i == 0 else {})
                for i in range(agents)
            ),
        )
        _insert(conn, agent_teams, ({"agent_id": i + 1, "team_id": i % teams + 1} for i in range(agents)))
        _insert(
            conn,
            ChannelAccount.__table__,
            ({"id": i + 1, "kind": k, "name": k, "team_id": i % teams + 1} for i, k in enumerate(CHANNELS)),
        )
        n_customers = max(1, conversations * 6 // 10)
        _insert(
            conn, Customer.__table__, ({"id": i + 1, "name": f"Customer {i + 1}"} for i in range(n_customers))
        )
        _insert(
            conn,
            Identity.__table__,
            (
                {
                    "id": i + 1,
                    "customer_id": i + 1,
                    "channel": CHANNELS[i % len(CHANNELS)],
                    "external_id": f"u{i + 1}",
                    "handle": f"user{i + 1}",
                    "display_name": f"User {i + 1}",
                    "followers": int(rng.paretovariate(1.2) * 20) - 20,
                }
                for i in range(n_customers)
            ),
        )
        timings["people"] = time.perf_counter() - t
        t = time.perf_counter()
        per_conv = _split(messages, conversations, rng)
        convs, plan = [], []
        for c in range(conversations):
            cust = (
                min(int(rng.paretovariate(0.9)) - 1, n_customers - 1)
                if rng.random() < 0.2
                else rng.randrange(n_customers)
            )
            account = cust % len(CHANNELS)
            created = start + timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
            times = [created]
            for _ in range(per_conv[c] - 1):
                times.append(times[-1] + timedelta(minutes=rng.expovariate(1 / 45)))
            resolved = rng.random() < 0.6
            first = created + timedelta(minutes=rng.expovariate(1 / 30))
            team = account % teams + 1
            convs.append(
                {
                    "id": c + 1,
                    "customer_id": cust + 1,
                    "channel_account_id": account + 1,
                    "channel": CHANNELS[account],
                    "thread_key": f"t{c + 1}",
                    "subject": "",
                    "status": "resolved" if resolved else rng.choice(("open", "open", "pending", "snoozed")),
                    "team_id": team,
                    "assignee_id": rng.randrange(agents) + 1,
                    "message_count": per_conv[c],
                    "created_at": created,
                    "updated_at": times[-1],
                    "last_message_at": times[-1],
                    "first_response_at": first if per_conv[c] > 1 else None,
                    "first_response_due_at": created + timedelta(hours=1),
                    "resolution_due_at": created + timedelta(days=1),
                    "resolved_at": times[-1] + timedelta(minutes=5) if resolved else None,
                    "priority": rng.uniform(0, 100),
                }
            )
            plan.append((c + 1, cust + 1, account + 1, times))
        _insert(conn, Conversation.__table__, convs)
        labelled = [
            {"conversation_id": c + 1, "label": rng.choice(LABELS)}
            for c in range(conversations)
            if rng.random() < 0.2
        ]
        _insert(conn, ConversationLabel.__table__, labelled)
        timings["conversations"] = time.perf_counter() - t
        t = time.perf_counter()
        _insert(conn, Message.__table__, _messages(plan, pool, rng))
        timings["messages"] = time.perf_counter() - t
        log(f"inserted {messages} messages in {timings['messages']:.1f} s")
        t = time.perf_counter()
        rollups.fold_all(raw)
        timings["fold"] = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as raw:
        raw.execute(text("ANALYZE"))
    timings["analyze"] = time.perf_counter() - t
    engine.dispose()
    timings["total"] = time.perf_counter() - t0
    return timings


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` messages over `parts` conversations: 1 to 19 each, summing exactly to `total`."""
    mean = total / parts
    sizes = [max(1, min(19, round(rng.triangular(1, 2 * mean - 1, mean)))) for _ in range(parts)]
    diff = total - sum(sizes)
    i = 0
    while diff:
        j = i % parts
        if diff > 0 and sizes[j] < 60:
            sizes[j] += 1
            diff -= 1
        elif diff < 0 and sizes[j] > 1:
            sizes[j] -= 1
            diff += 1
        i += 1
    return sizes


def _messages(
    plan: list[tuple[int, int, int, list[datetime]]], pool: list[tuple], rng: random.Random
) -> Iterator[dict]:
    mid = 0
    for conv, cust, account, times in plan:
        for k, at in enumerate(times):
            mid += 1
            inbound = k == 0 or rng.random() < 0.7
            body, lang, compound, label = rng.choice(pool)
            row = {
                "id": mid,
                "conversation_id": conv,
                "channel_account_id": account,
                "created_at": at,
                "received_at": at,
            }
            if inbound:
                row |= {
                    "direction": "in",
                    "external_id": f"x{mid}",
                    "customer_id": cust,
                    "author_identity_id": cust,
                    "text": body,
                    "language": lang,
                    "sentiment": compound,
                    "sentiment_label": label,
                }
            else:
                row |= {
                    "direction": "out" if rng.random() < 0.8 else "note",
                    "external_id": None,
                    "customer_id": None,
                    "author_identity_id": None,
                    "text": "Thanks, we are on it.",
                    "language": None,
                    "sentiment": None,
                    "sentiment_label": None,
                }
            yield row


if __name__ == "__main__":  # pragma: no cover
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(build(sys.argv[1], messages=n, conversations=max(1, n // 10)))
