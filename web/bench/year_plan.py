"""The one data generator of the one-year database, and the steps both of its builders share.

`plan` yields the year day by day as the batches a webhook channel would deliver (inbound
messages, per channel, in chunks of 500, each with the clock it is ingested at) and the agents'
replies of that day. Two builders consume the very same plan:

* `web.bench.scale_data.build_bulk`: the fast one (`make bench-scale`), bulk inserts of rows it
  decides with the pipeline's own code (scores, ranks, rules, routing, SLA) in memory;
* `build_through_pipeline` here: every batch through `inbox.ingest.ingest`, as production
  would. Slow (about an hour for a million messages), kept as the reference the bulk builder is
  tested against (tests/service/test_year_build.py): same ranked list, search and rollups.

Setting up (teams, agents, channels) and finishing (replies, resolving 60%, folding the rollups,
ANALYZE) are the same functions for both.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from connectors.types import Author, InboundMessage
from inbox.store.models import agent_teams
from web.bench.common import _team_id, texts

LANGUAGES = ["en", "zh-Hans", "zh-Hant", "th"]
KINDS = ("x", "mastodon", "email", "reddit", "telegram")
CHUNK = 500  # messages per ingest batch
REPLY = "Thanks for writing, we are on it."


class Clock:
    """The build's clock: each batch is ingested at the time its newest message arrived."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Batch:
    channel_id: int
    messages: list[InboundMessage]
    at: datetime  # the clock while it is ingested


@dataclass(frozen=True)
class Day:
    at: datetime
    batches: list[Batch]
    replies: list[tuple[int, str, datetime, int]]  # (channel id, thread, at, agent id)


@dataclass(frozen=True)
class Workspace:
    """What `setup` made: per team index its agents' ids, and (channel id, team index, kind)."""

    agents: dict[int, list[int]]
    channels: list[tuple[int, int, str]]


def setup(inbox: Any, teams: int, agents: int) -> Workspace:
    """Default rules, `teams` teams of `agents / teams` online agents each, one webhook channel
    per team, for both builders. Agents are ORM rows sharing one password hash (hashing 200
    passwords took minutes on a busy machine); channels go through the product's service."""
    from inbox.admin.agents import set_presence
    from inbox.channels.accounts import create_channel
    from inbox.channels.demo import seed_defaults
    from inbox.store.models import Agent, Team
    from inbox.store.security import hash_password

    seed_defaults(inbox)
    per_team = max(1, agents // teams)
    password = hash_password("year password long")
    with inbox.unit_of_work() as uow:
        for t in range(teams):
            team = Team(name=f"Team {t + 1}")
            uow.session.add_all(
                Agent(
                    email=f"agent{t}.{a}@year.test",
                    name=f"Agent {t}.{a}",
                    password_hash=password,
                    role="agent",
                    languages=LANGUAGES,
                    capacity=10,
                    teams=[team],
                )  # fmt: skip
                for a in range(per_team)
            )
    by_team: dict[int, list[int]] = {}
    channels: list[tuple[int, int, str]] = []
    for t in range(teams):
        team_id = _team_id(inbox, f"Team {t + 1}")
        with inbox.read() as s:
            by_team[t] = list(
                s.scalars(
                    select(agent_teams.c.agent_id)
                    .where(agent_teams.c.team_id == team_id)
                    .order_by(agent_teams.c.agent_id)
                )
            )
        for aid in by_team[t]:
            set_presence(inbox, aid, "online")
        kind = KINDS[t % len(KINDS)]
        ch, _ = create_channel(inbox, None, "webhook", f"{kind} {t + 1}", {}, {}, team_id)
        channels.append((ch["id"], t, kind))
    return Workspace(by_team, channels)


def message_counts(total: int, n: int, rng: random.Random) -> list[int]:
    """Messages per conversation, summing exactly to `total`: most short, a few long
    (fifty of 200 and one of 10,000 when the year is big enough to hold them)."""
    counts = [max(1, int(rng.expovariate(1 / 6))) for _ in range(n)]
    long = [200] * min(50, n // 1000) + ([10_000] if total >= 100_000 else [])
    for i, c in enumerate(long):
        counts[i] = c
    fixed = len(long)
    rest = total - sum(counts[:fixed])
    free = sum(counts[fixed:])
    scaled = [max(1, round(c * rest / free)) for c in counts[fixed:]]
    drift, j = rest - sum(scaled), 0
    while drift:
        idx = j % len(scaled)
        if drift > 0:
            scaled[idx], drift = scaled[idx] + 1, drift - 1
        elif scaled[idx] > 1:
            scaled[idx], drift = scaled[idx] - 1, drift + 1
        j += 1
    return counts[:fixed] + scaled


def plan(shape: Any, ws: Workspace, start: datetime) -> Iterator[Day]:
    """The year, day by day (see the module's docstring); deterministic for a shape's seed.

    Conversations start uniformly over the days, the long ones in the first weeks so they have
    ended by today; about `inbound_share` of each conversation's messages come from the customer,
    the rest are agents' replies; authors repeat (60% as many as conversations) and each has a
    fixed audience (0 to 80,000 followers)."""
    rng = random.Random(shape.seed)
    counts = message_counts(shape.messages, shape.conversations, rng)
    starts = sorted(rng.randrange(shape.days) for _ in range(shape.conversations))
    by_day: dict[int, list[int]] = {}
    for conv, day in enumerate(starts):  # conversation numbers 0..nlong-1 are the long ones
        by_day.setdefault(day, []).append(conv)
    corpus = texts(5000, seed=shape.seed)
    authors = max(1, int(shape.conversations * 0.6))
    per_team = len(ws.agents[0])
    for d in range(shape.days):
        day = start + timedelta(days=d)
        per_channel: dict[int, list[InboundMessage]] = {}
        replies: list[tuple[int, str, datetime, int]] = []
        for conv in by_day.get(d, []):
            ch_id, team, kind = ws.channels[conv % len(ws.channels)]
            a = rng.randrange(authors)
            author = Author(f"u{a}", f"user{a}", f"User {a}", followers=(0, 40, 300, 5000, 80_000)[a % 5])
            at = day + timedelta(seconds=rng.randrange(20 * 3600))
            gap = 86_400 / max(counts[conv], 20) if counts[conv] > 50 else 600
            public = conv % 2 == 0
            for k in range(counts[conv]):
                at += timedelta(seconds=rng.uniform(0.5, 1.5) * gap)
                if k > 0 and rng.random() > shape.inbound_share:
                    replies.append((ch_id, f"y{conv}", at, ws.agents[team][conv % per_team]))
                    continue
                text, lang = corpus[(conv * 31 + k) % len(corpus)]
                per_channel.setdefault(ch_id, []).append(
                    InboundMessage(
                        kind, f"y{conv}.{k}", f"y{conv}", author, text, at, language_hint=lang, public=public
                    )
                )
        batches = []
        for ch_id, msgs in per_channel.items():
            for i in range(0, len(msgs), CHUNK):
                chunk = msgs[i : i + CHUNK]
                batches.append(Batch(ch_id, chunk, max(m.created_at for m in chunk) + timedelta(minutes=1)))
        yield Day(day, batches, replies)


def reply_rows(
    replies: list[tuple[int, str, datetime, int]],
    ids: dict[tuple[int, str], tuple[int, int]],
    next_id: int | None = None,
) -> tuple[list[dict[str, Any]], dict[int, list[Any]]]:
    """Agents' replies as message rows (ids from `next_id` when given), and per conversation id
    [first reply, last reply, count, first reply's agent]; `ids` maps (channel, thread) to (conversation, customer)."""
    rows: list[dict[str, Any]] = []
    span: dict[int, list[Any]] = {}
    for ch, thread, at, agent in replies:
        if (ch, thread) not in ids:
            continue
        cid, customer = ids[(ch, thread)]
        row = {
            "conversation_id": cid, "channel_account_id": ch, "customer_id": customer, "direction": "out",
            "author_agent_id": agent, "text": REPLY, "sentiment_reasons": [], "public": True,
            "created_at": at, "received_at": at,
        }  # fmt: skip
        if next_id is not None:
            row["id"] = next_id + len(rows)
        rows.append(row)
        first = span.setdefault(cid, [at, at, 0, agent])
        if at < first[0]:
            first[0], first[3] = at, agent  # the first response is credited to its author
        first[1], first[2] = max(first[1], at), first[2] + 1
    return rows, span


def write_replies(s: Any, replies: list[tuple[int, str, datetime, int]]) -> int:
    """The replies written beside the pipeline: rows, then each conversation's first and last
    response and count by UPDATE; returns how many rows."""
    from sqlalchemy import bindparam, case, func, select, update

    from inbox.store.models import Conversation, Message
    from inbox.store.sql import insert_rows

    if not replies:
        return 0
    conv = Conversation.__table__
    ids: dict[tuple[int, str], tuple[int, int]] = {}
    for ch in sorted({ch for ch, _, _, _ in replies}):
        threads = sorted({t for c, t, _, _ in replies if c == ch})
        for row in s.execute(
            select(conv.c.id, conv.c.thread_key, conv.c.customer_id).where(
                conv.c.channel_account_id == ch, conv.c.thread_key.in_(threads)
            )
        ):
            ids[(ch, row.thread_key)] = (row.id, row.customer_id)
    rows, span = reply_rows(replies, ids)
    insert_rows(s, Message.__table__, rows)
    s.execute(
        update(conv)
        .where(conv.c.id == bindparam("cid"))
        .values(
            first_response_at=func.coalesce(
                conv.c.first_response_at, bindparam("first", type_=conv.c.first_response_at.type)
            ),
            first_response_agent_id=case(
                (
                    conv.c.first_response_at.is_(None),
                    bindparam("agent", type_=conv.c.first_response_agent_id.type),
                ),
                else_=conv.c.first_response_agent_id,
            ),
            last_agent_reply_at=bindparam("last"),
            message_count=conv.c.message_count + bindparam("n"),
        ),
        [{"cid": c, "first": f, "last": last, "n": n, "agent": a} for c, (f, last, n, a) in span.items()],
    )
    return len(rows)


FOLD_BATCH = 200_000  # pending rollup rows a fold statement takes: fewer, larger upserts


def finish(inbox: Any, shape: Any, now: datetime) -> None:
    """`resolved_share` of the conversations resolved (none of the last three days': today's
    queue), the rollups folded as the job would, then the housekeeping a year of traffic gets as
    it goes (`settle`)."""
    from sqlalchemy import text

    from inbox.insights import rollups

    share = int(round(shape.resolved_share * 100))
    with inbox.unit_of_work() as uow:
        uow.session.execute(
            text(
                "UPDATE conversations SET status = 'resolved', resolved_at = last_message_at, "
                "waiting_since = NULL "
                "WHERE (id * 37) % 100 < :share AND created_at < :recent"
            ),
            {"share": share, "recent": now - timedelta(days=3)},
        )
    with inbox.unit_of_work() as uow:
        rollups.fold_all(uow.session.connection(), FOLD_BATCH)
    settle(inbox.engine)


def settle(engine: Any) -> None:
    """What a year of small writes leaves done and a few big ones do not.

    SQLite: FTS5 merges its index a little at every commit (automerge), so a year of webhook
    commits keeps it merged; a year written in 365 commits leaves that merge work owed, and the
    next writers paid it (a one-message ingest on the bulk year ran at 0.6x of an empty database,
    at 1.06x once merged). Merged into one segment on a low level, though, the next writers'
    merges rewrote it again and again (0.75x): `lift_merged_index` puts it where a year of small
    commits would have. The index's content is the same either way. PostgreSQL: autovacuum
    would have vacuumed the tables (visibility map, the trigram indexes' pending lists). Then the
    planner's statistics, on both."""
    from sqlalchemy import text

    from inbox.search.merge import lift_merged_index

    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            tables = c.scalars(
                text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")
            )
            for name in list(tables):
                c.execute(text(f"INSERT INTO {name}({name}) VALUES ('optimize')"))
                # and on the level a year of small commits would have put it (not rewritten by the
                # next writers' merges: it was most of what the year cost a one-message ingest)
                lift_merged_index(c.connection.dbapi_connection, name)
            c.execute(text("ANALYZE"))
            c.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM (ANALYZE)"))


def build_through_pipeline(
    inbox: Any, clock: Clock, shape: Any, now: datetime, progress: Callable[[str], None] = lambda s: None
) -> None:
    """The reference build: every batch of the plan through `inbox.ingest.ingest`."""
    from inbox.ingest import ingest

    ws = setup(inbox, shape.teams, shape.agents)
    written = 0
    for day in plan(shape, ws, now - timedelta(days=shape.days)):
        for batch in day.batches:
            clock.at = batch.at
            ingest(inbox, batch.channel_id, batch.messages)
            written += len(batch.messages)
        with inbox.unit_of_work() as uow:
            written += write_replies(uow.session, day.replies)
        if day.at.day == 1:
            progress(f"    {day.at:%Y-%m-%d}: {written:,} messages")
    finish(inbox, shape, now)
