"""The one-year database of `make bench-scale`: a mid-size brand's year of traffic.

1,000,000 messages in 100,000 conversations over 365 days, 20 teams of 10 agents, 60% of the
conversations resolved (issue 22's shape). Customers' messages enter through the real
`inbox.pipeline.ingest`, day by day with the clock set to that day, so every table the pipeline
maintains (ranks, search indexes, rollups, identities and customers) holds what production would;
agents' replies are written in bulk beside them. A few conversations are long (200 and 10,000
messages), since a long thread is where inboxes freeze.

Building takes minutes, so the finished database is kept: a SQLite file under
`instance/bench-scale/`, or a PostgreSQL database `murmur_year_<key>`, where the key hashes the
shape and the code that decides what is stored (migrations, inbox, leaves, this file). Each
measurement runs on a fresh copy (a file copy, or `CREATE DATABASE ... TEMPLATE`), so a run may
write and the next one still starts from the same year.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from web.bench.common import ROOT, SECRET, _team_id

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
LANGS = ("en", "en", "en", "zh-Hans", "zh-Hant", "th")
KINDS = ("x", "mastodon", "email", "reddit", "telegram")


@dataclass(frozen=True)
class Shape:
    messages: int = 1_000_000
    conversations: int = 100_000
    teams: int = 20
    agents: int = 200
    days: int = 365
    resolved_share: float = 0.6
    inbound_share: float = 0.73
    seed: int = 7


def key(shape: Shape) -> str:
    """Changes whenever the shape or anything that decides what gets stored changes."""
    h = hashlib.sha256(repr(sorted(asdict(shape).items())).encode())
    for folder in ("alembic/versions", "inbox", "sentiment", "escalation", "connectors"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    h.update((ROOT / "web" / "bench" / "year.py").read_bytes())
    return h.hexdigest()[:10]


# --- where the kept year lives ------------------------------------------------------------------


def sqlite_year(shape: Shape, progress: Callable[[str], None]) -> Path:
    """The kept SQLite file of this shape, built when missing."""
    folder = ROOT / "instance" / "bench-scale"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"year-{key(shape)}.db"
    if not path.exists():
        for old in folder.glob("year-*.db*"):
            old.unlink()
        partial = folder / "building.db"
        for p in folder.glob("building.db*"):
            p.unlink()
        build(f"sqlite:///{partial}", shape, progress)
        partial.rename(path)
    return path


def sqlite_copy(shape: Shape, into: Path, progress: Callable[[str], None]) -> str:
    src = sqlite_year(shape, progress)
    dst = into / "year.db"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}"


def _pg_admin() -> Any:
    from sqlalchemy import create_engine

    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def postgresql_year(shape: Shape, progress: Callable[[str], None]) -> str:
    """The name of the kept PostgreSQL database of this shape, built when missing."""
    from sqlalchemy import text

    name = f"murmur_year_{key(shape)}"
    admin = _pg_admin()
    with admin.connect() as c:
        have = set(c.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'murmur_year_%'")))
        if name not in have:
            for old in have:
                c.execute(text(f'DROP DATABASE "{old}" WITH (FORCE)'))
            c.execute(text('DROP DATABASE IF EXISTS "murmur_year_building" WITH (FORCE)'))
            c.execute(text('CREATE DATABASE "murmur_year_building"'))
    if name not in have:
        build(f"{PG_SERVER}/murmur_year_building", shape, progress)
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "murmur_year_building" RENAME TO "{name}"'))
    admin.dispose()
    return name


def postgresql_copy(shape: Shape, copy_name: str, progress: Callable[[str], None]) -> str:
    from sqlalchemy import text

    name = postgresql_year(shape, progress)
    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
    admin.dispose()
    return f"{PG_SERVER}/{copy_name}"


def drop_postgresql(copy_name: str) -> None:
    from sqlalchemy import text

    admin = _pg_admin()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
    admin.dispose()


# --- building -----------------------------------------------------------------------------------


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def message_counts(shape: Shape, rng: random.Random) -> list[int]:
    """Messages per conversation, summing exactly to `shape.messages`: most short, a few long
    (fifty of 200 and one of 10,000 when the year is big enough to hold them)."""
    n, total = shape.conversations, shape.messages
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


def _days(
    shape: Shape, rng: random.Random, start: datetime, nlong: int
) -> Iterator[tuple[datetime, list[int]]]:
    """(day, conversation numbers starting that day); the long conversations start in the first weeks
    so they have ended by today."""
    order = list(range(shape.conversations))
    starts = sorted(rng.randrange(shape.days) for _ in order)
    long_first = list(range(nlong)) + [i for i in order if i >= nlong]
    by_day: dict[int, list[int]] = {}
    for conv, day in zip(long_first, starts, strict=True):
        by_day.setdefault(day, []).append(conv)
    for d in range(shape.days):
        yield start + timedelta(days=d), by_day.get(d, [])


def build(url: str, shape: Shape, progress: Callable[[str], None] = lambda s: None) -> None:
    """Fill an empty database at `url` with the year (see the module's docstring)."""
    from connectors.types import Author, InboundMessage
    from inbox.admin.agents import create_agent, set_presence
    from inbox.channels.accounts import create_channel
    from inbox.channels.demo import seed_defaults
    from inbox.pipeline import ingest
    from inbox.store.schema import upgrade
    from web.app import create_app
    from web.bench.common import texts
    from web.config import Config

    rng = random.Random(shape.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=shape.days)
    clock = _Clock(start)
    upgrade(url)
    app = create_app(
        Config(database_url=url, redis_url=None, secret_key=SECRET, scheduler=False, instance_path="/tmp"),
        clock=clock,
    )
    inbox = app.extensions["murmur.inbox"]
    seed_defaults(inbox)
    per_team = max(1, shape.agents // shape.teams)
    agents: dict[int, list[int]] = {}
    channels: list[tuple[int, int, str]] = []  # (channel id, team index, kind)
    for t in range(shape.teams):
        team = f"Team {t + 1}"
        agents[t] = []
        for a in range(per_team):
            aid = create_agent(
                inbox, f"agent{t}.{a}@year.test", "year password long", "agent", f"Agent {t}.{a}", [team],
                ["en", "zh-Hans", "zh-Hant", "th"], 10,
            )  # fmt: skip
            set_presence(inbox, aid, "online")
            agents[t].append(aid)
        team_id = _team_id(inbox, team)
        kind = KINDS[t % len(KINDS)]
        ch, _ = create_channel(inbox, None, "webhook", f"{kind} {t + 1}", {}, {}, team_id)
        channels.append((ch["id"], t, kind))
    corpus = texts(5000, seed=shape.seed)
    counts = message_counts(shape, rng)
    authors = max(1, int(shape.conversations * 0.6))
    written = 0
    nlong = sum(1 for c in counts if c >= 200)
    for day, convs in _days(shape, rng, start, nlong):
        per_channel: dict[int, list[InboundMessage]] = {}
        replies: list[tuple[int, str, datetime, int]] = []  # (channel id, thread, at, agent)
        for conv in convs:
            ch_id, team, kind = channels[conv % len(channels)]
            a = rng.randrange(authors)
            author = Author(f"u{a}", f"user{a}", f"User {a}", followers=(0, 40, 300, 5000, 80_000)[a % 5])
            at = day + timedelta(seconds=rng.randrange(20 * 3600))
            gap = 86_400 / max(counts[conv], 20) if counts[conv] > 50 else 600
            public = conv % 2 == 0
            for k in range(counts[conv]):
                at += timedelta(seconds=rng.uniform(0.5, 1.5) * gap)
                if k > 0 and rng.random() > shape.inbound_share:
                    replies.append((ch_id, f"y{conv}", at, agents[team][conv % per_team]))
                    continue
                text, lang = corpus[(conv * 31 + k) % len(corpus)]
                per_channel.setdefault(ch_id, []).append(
                    InboundMessage(
                        kind, f"y{conv}.{k}", f"y{conv}", author, text, at, language_hint=lang, public=public
                    )
                )
        for ch_id, batch in per_channel.items():
            for i in range(0, len(batch), 500):
                chunk = batch[i : i + 500]
                clock.at = max(m.created_at for m in chunk) + timedelta(minutes=1)
                ingest(inbox, ch_id, chunk)
                written += len(chunk)
        written += _write_replies(inbox, replies)
        if day.day == 1 or written >= shape.messages:
            progress(f"    {day:%Y-%m-%d}: {written:,} messages")
    _resolve(inbox, shape, now)
    _analyze(inbox)
    inbox.engine.dispose()


def _write_replies(inbox: Any, replies: list[tuple[int, str, datetime, int]]) -> int:
    """Agents' replies as plain rows, and each conversation's first response and count."""
    from sqlalchemy import bindparam, select, update

    from inbox.store.models import Conversation, Message
    from inbox.store.sql import insert_rows

    if not replies:
        return 0
    conv = Conversation.__table__
    with inbox.unit_of_work() as uow:
        s = uow.session
        keys = sorted({(ch, thread) for ch, thread, _, _ in replies})
        ids: dict[tuple[int, str], tuple[int, int]] = {}
        for ch in {ch for ch, _ in keys}:
            threads = [t for c, t in keys if c == ch]
            for row in s.execute(
                select(conv.c.id, conv.c.thread_key, conv.c.customer_id).where(
                    conv.c.channel_account_id == ch, conv.c.thread_key.in_(threads)
                )
            ):
                ids[(ch, row.thread_key)] = (row.id, row.customer_id)
        rows, first = [], {}
        for ch, thread, at, agent in replies:
            if (ch, thread) not in ids:
                continue
            cid, customer = ids[(ch, thread)]
            rows.append(
                {
                    "conversation_id": cid, "channel_account_id": ch, "customer_id": customer,
                    "direction": "out", "author_agent_id": agent, "text": "Thanks for writing, we are on it.",
                    "sentiment_reasons": [], "public": True, "created_at": at, "received_at": at,
                }
            )  # fmt: skip
            first.setdefault(cid, [at, 0])[1] += 1
        insert_rows(s, Message.__table__, rows)
        s.execute(
            update(conv)
            .where(conv.c.id == bindparam("cid"))
            .values(
                first_response_at=bindparam("at"),
                last_agent_reply_at=bindparam("at"),
                message_count=conv.c.message_count + bindparam("n"),
            ),
            [{"cid": c, "at": at, "n": n} for c, (at, n) in first.items()],
        )
    return len(rows)


def _resolve(inbox: Any, shape: Shape, now: datetime) -> None:
    """`resolved_share` of the conversations resolved, none of the last three days' (today's queue)."""
    from sqlalchemy import text

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


def _analyze(inbox: Any) -> None:
    from sqlalchemy import text

    with inbox.engine.connect() as c:
        c.execute(text("ANALYZE"))
        c.commit()


if __name__ == "__main__":  # python -m web.bench.year sqlite|postgresql [messages]
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    shape = Shape(messages=n, conversations=max(10, n // 10))
    print(sqlite_year(shape, print) if which == "sqlite" else postgresql_year(shape, print))
