"""Shared pieces of the benchmark: corpora, a fresh SQLite inbox, seeded agents, figures."""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "murmur-bench-secret"


@dataclass(frozen=True)
class Figure:
    """One line of the report: a measured value, its same-run baseline and their ratio."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


# --- texts ---------------------------------------------------------------------------------------

_ENGLISH = (
    "Where is my order? It's been two weeks.",
    "Thanks so much, the replacement arrived today and works great!",
    "Your app keeps crashing when I try to pay. Fix it please.",
    "I was charged twice for the same order, I want a refund now.",
    "Not bad at all, delivery was quicker than I expected :)",
    "Still waiting for a reply... this is the third time I ask.",
    "Love the new colours, ordering another one for my sister",
    "Worst customer service ever. Never buying from you again!!!",
    "Can I change the delivery address for order {n}?",
    "The headphones are fine but the case broke after a week.",
    "Hi, do you ship to Canada?",
    "My lawyer will hear about this if I don't get my money back.",
)


def texts(n: int, seed: int = 1) -> list[tuple[str, str | None]]:
    """`n` short realistic texts with their language hints: the bundled demo mentions (English,
    Chinese, Thai) and English support phrases, varied so no two in a row are identical."""
    demo = ROOT / "connectors" / "data" / "demo_messages.jsonl"
    base: list[tuple[str, str | None]] = [(t, "en") for t in _ENGLISH]
    if demo.exists():
        for line in demo.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                base.append((row["text"], row.get("lang")))
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text, lang = base[i % len(base)] if i < len(base) else rng.choice(base)
        text = text.replace("{n}", f"#{rng.randint(1000, 9999)}")
        if rng.random() < 0.3:
            text = f"{text} (order #{rng.randint(1000, 99999)})"
        out.append((text, lang))
    return out


def english_texts(n: int, seed: int = 2) -> list[str]:
    """English texts only, for the scorer comparison (VADER is an English model)."""
    return [t for t, lang in texts(n * 3, seed) if lang == "en"][:n]


# --- helpers -------------------------------------------------------------------------------------


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="murmur-bench-") as d:
        yield Path(d)


def _sqlite_inbox(path: Path) -> Any:
    """A migrated SQLite database with the default rules, built through the real app factory
    (so events go through the Socket.IO publisher and the outbound-webhook hook, as in production)."""
    from inbox.channels.demo import seed_defaults
    from inbox.store.schema import upgrade
    from web.app import create_app
    from web.config import Config

    url = f"sqlite:///{path / 'bench.db'}"
    upgrade(url)
    app = create_app(
        Config(database_url=url, redis_url=None, secret_key=SECRET, scheduler=False, instance_path=str(path))
    )
    inbox = app.extensions["murmur.inbox"]
    seed_defaults(inbox)
    return inbox


def _agents(inbox: Any, n: int, capacity: int) -> list[int]:
    """`n` online agents in the Support team, speaking the corpus's languages, with room for every
    conversation the run makes (so each new conversation is routed, not queued)."""
    from inbox.admin.agents import create_agent, set_presence

    ids = []
    for i in range(n):
        aid = create_agent(
            inbox,
            f"bench{i}@example.com",
            "bench password long",
            "agent",
            f"Bench {i}",
            ["Support"],
            ["en", "zh-Hans", "zh-Hant", "th"],
            capacity,
        )
        set_presence(inbox, aid, "online")
        ids.append(aid)
    return ids


def _history(inbox: Any, channel_id: int, agent_ids: Sequence[int], n: int) -> None:
    """`n` resolved conversations of one old customer, handled in turn by `agent_ids`: what a
    year of work leaves behind, which per-message queries (an agent's open load) must not scan."""
    from inbox.store.models import Conversation, Customer
    from inbox.store.sql import insert_rows, insert_with_ids

    then = datetime.now(UTC) - timedelta(days=365)
    with inbox.unit_of_work() as uow:
        s = uow.session
        [customer] = insert_with_ids(
            s, Customer.__table__, [{"name": "Old customer", "attributes": {}, "created_at": then}]
        )
        rows = [
            {
                "customer_id": customer,
                "channel_account_id": channel_id,
                "channel": "webhook",
                "thread_key": f"history-{i}",
                "status": "resolved",
                "assignee_id": agent_ids[i % len(agent_ids)],
                "priority_components": [],
                "last_message_at": then,
                "resolved_at": then,
                "created_at": then,
                "updated_at": then,
            }
            for i in range(n)
        ]
        for i in range(0, n, 50_000):
            insert_rows(s, Conversation.__table__, rows[i : i + 50_000])


def _team_id(inbox: Any, name: str = "Support") -> int:
    from sqlalchemy import select

    from inbox.store.models import Team

    with inbox.read() as s:
        return s.scalar(select(Team.id).where(Team.name == name))


def _inbound(corpus: Sequence[tuple[str, str | None]], authors: int, seed: int = 3) -> list[Any]:
    """InboundMessages over `corpus`: a pool of repeat authors, half DMs (one thread per author),
    half public mentions (one thread each), timestamps a second apart."""
    from connectors.types import Author, InboundMessage

    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(seconds=len(corpus))
    out = []
    for i, (text, lang) in enumerate(corpus):
        a = rng.randrange(authors)
        dm = rng.random() < 0.5
        # an author's audience is a property of the author, not of each message
        author = Author(str(a), f"user{a}", f"User {a}", followers=(0, 12, 150, 2400, 25000)[a % 5])
        out.append(
            InboundMessage(
                "webhook",
                f"m{i}",
                f"dm-{a}" if dm else f"m{i}",
                author,
                text,
                start + timedelta(seconds=i),
                language_hint=lang,
                public=not dm,
            )
        )
    return out


def _warm_scorers(corpus: Sequence[tuple[str, str | None]]) -> None:
    """Load each language's scorer once (the models' weights take a moment), outside timings,
    and freeze what is alive out of the garbage collector's reach, as `murmur serve` and
    `murmur worker` do at start-up (`web.warmup`)."""
    import sentiment
    from web.warmup import warm_process

    for text, lang in {lang: (t, lang) for t, lang in corpus}.values():
        sentiment.score(text, lang)
    warm_process()


# --- (a) pipeline throughput -----------------------------------------------------------------------
