"""Reports per agent and team on a year of conversations: the service beside the naive way.

    python -m web.bench.reports [DATABASE_URL] [--conversations N]   (default: SQLite, 100,000)

Builds a year of conversations (20 agents over 5 teams; 90% answered, 70% resolved, a survey
answer on a fifth of them, some reassigned after their first reply), then times
`agent_reports.report` for the last 365 and 30 days beside the same figures computed the naive
way: every conversation of the period loaded into Python (agent, team and times) and medians and
p90s taken there. Both answers are compared, so the bench also checks that they agree.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

N_AGENTS, N_TEAMS = 20, 5
BENCH_EMAIL = "report{}@example.com"


def build(url: str, n: int, now: datetime) -> tuple[Any, int]:
    """The inbox on `url` with `n` conversations over the year before `now` (kept if built)."""
    from inbox.admin.agents import create_agent
    from inbox.store.models import Agent, ChannelAccount, Conversation, Customer, SurveyResponse, Team
    from inbox.store.schema import upgrade
    from web.app import create_app
    from web.config import Config

    upgrade(url)
    app = create_app(
        Config(
            database_url=url,
            redis_url=None,
            secret_key="bench",
            scheduler=False,
            instance_path=tempfile.mkdtemp(),
        )
    )
    inbox = app.extensions["murmur.inbox"]
    with inbox.read() as s:
        sup = s.scalar(select(Agent.id).where(Agent.email == BENCH_EMAIL.format("sup")))
        if sup is not None and s.scalar(select(func.count()).select_from(Conversation)) >= n:
            return inbox, sup
    sup = create_agent(inbox, BENCH_EMAIL.format("sup"), "bench password long", "supervisor", "Sup", [])
    agents = [
        create_agent(
            inbox, BENCH_EMAIL.format(i), "bench password long", "agent", f"A{i}", [f"RT {i % N_TEAMS}"]
        )
        for i in range(N_AGENTS)
    ]
    rnd = random.Random(7)
    with inbox.unit_of_work() as uow:
        s = uow.session
        teams = [s.scalar(select(Team.id).where(Team.name == f"RT {i}")) for i in range(N_TEAMS)]
        account = s.execute(
            insert(ChannelAccount)
            .values(kind="webhook", name="report bench", settings={})
            .returning(ChannelAccount.id)
        ).scalar_one()
        s.execute(insert(Customer), [{"name": f"R{i}", "attributes": {}} for i in range(n // 4)])
        first_customer = s.scalar(select(Customer.id).order_by(Customer.id))
        rows, surveys = [], []
        for i in range(n):
            created = now - timedelta(minutes=rnd.uniform(0, 365 * 24 * 60))
            by = rnd.randrange(N_AGENTS)
            answered = rnd.random() < 0.9
            first = created + timedelta(seconds=rnd.lognormvariate(7, 1.2)) if answered else None
            resolved = (
                created + timedelta(seconds=rnd.lognormvariate(10, 1.0))
                if answered and rnd.random() < 0.7
                else None
            )
            assignee = agents[rnd.randrange(N_AGENTS)] if rnd.random() < 0.2 else agents[by]
            rows.append(
                {
                    "customer_id": first_customer + rnd.randrange(n // 4),
                    "channel_account_id": account,
                    "channel": "webhook",
                    "thread_key": f"report-{i}",
                    "status": "resolved" if resolved else "open",
                    "team_id": teams[by % N_TEAMS],
                    "assignee_id": assignee,
                    "first_response_at": first,
                    "first_response_agent_id": agents[by] if answered else None,
                    "resolved_at": resolved,
                    "priority_components": [],
                    "created_at": created,
                    "updated_at": created,
                    "last_message_at": created,
                }
            )
        for i in range(0, len(rows), 10_000):
            ids = s.scalars(insert(Conversation).returning(Conversation.id), rows[i : i + 10_000]).all()
            for cid, row in zip(ids, rows[i : i + 10_000], strict=True):
                if row["resolved_at"] is not None and rnd.random() < 0.3:
                    kind = rnd.choice(["csat", "nps"])
                    surveys.append(
                        {
                            "conversation_id": cid,
                            "customer_id": row["customer_id"],
                            "agent_id": row["assignee_id"],
                            "kind": kind,
                            "token": f"rb{cid}",
                            "rating": rnd.randint(1, 5) if kind == "csat" else rnd.randint(0, 10),
                            "sent_at": row["resolved_at"],
                            "answered_at": row["resolved_at"] + timedelta(hours=rnd.uniform(1, 48)),
                        }
                    )
        for i in range(0, len(surveys), 10_000):
            s.execute(insert(SurveyResponse), surveys[i : i + 10_000])
    with inbox.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return inbox, sup


def naive(inbox: Any, start: datetime, end: datetime) -> dict[Any, tuple[int, float | None, float | None]]:
    """First-response count, median and p90 per agent with every conversation's times in Python."""
    from inbox.store.models import Conversation

    per: dict[Any, list[float]] = defaultdict(list)
    with inbox.read() as s:
        q = select(
            Conversation.first_response_agent_id, Conversation.first_response_at, Conversation.created_at
        )
        q = q.where(Conversation.first_response_at >= start, Conversation.first_response_at < end)
        for agent, first, created in s.execute(q):
            per[agent].append((first - created).total_seconds())
        q = select(Conversation.assignee_id, Conversation.resolved_at, Conversation.created_at).where(
            Conversation.status == "resolved",
            Conversation.resolved_at >= start,
            Conversation.resolved_at < end,
        )
        resolved: dict[Any, list[float]] = defaultdict(list)
        for agent, done, created in s.execute(q):
            resolved[agent].append((done - created).total_seconds())
    out = {}
    for agent, values in per.items():
        values.sort()
        out[agent] = (len(values), statistics.median(values), values[math.ceil(0.9 * len(values)) - 1])
    for values in resolved.values():
        values.sort()
        statistics.median(values)
    return out


def _time(work: Callable[[], Any], n: int) -> float:
    work()
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        work()
        ms.append((time.perf_counter() - t) * 1000)
    return statistics.median(ms)


def measure(url: str, n: int, repeat: int = 5) -> dict[str, float]:
    """p50 ms of the 365- and 30-day reports and of the naive 365-day computation; checks they agree."""
    from inbox.insights.agent_reports import report
    from inbox.insights.report_periods import period

    now = datetime(2026, 12, 1, tzinfo=UTC)
    inbox, sup = build(url, n, now)
    year = period(now, "custom", "UTC", (now - timedelta(days=365)).date(), now.date())
    month = period(now, "last_30_days", "UTC")
    got = report(inbox, sup, year)
    want = naive(inbox, year.start, year.end)
    for row in got["agents"]:
        if row["id"] in want:
            count, median, p90 = want[row["id"]]
            fr = row["first_response"]
            assert fr["count"] == count and abs(fr["median_seconds"] - median) < 0.2, (fr, want[row["id"]])
            assert abs(fr["p90_seconds"] - p90) < 0.2
    with inbox.read() as s:
        from inbox.store.models import Conversation

        total = s.scalar(select(func.count()).select_from(Conversation))
    return {
        "conversations": float(total),
        "year_ms": _time(lambda: report(inbox, sup, year), repeat),
        "month_ms": _time(lambda: report(inbox, sup, month), repeat),
        "naive_year_ms": _time(lambda: naive(inbox, year.start, year.end), repeat),
    }


def report_rate(n: int, repeat: int) -> dict[str, float]:
    """`measure` on a fresh SQLite file (what `murmur bench` prints)."""
    with tempfile.TemporaryDirectory(prefix="murmur-reports-") as tmp:
        return measure(f"sqlite:///{tmp}/bench.db", n, repeat)


def main(argv: list[str]) -> None:  # pragma: no cover - `python -m web.bench.reports`
    n = int(argv[argv.index("--conversations") + 1]) if "--conversations" in argv else 100_000
    urls = [a for a in argv if "://" in a]
    url = urls[0] if urls else f"sqlite:///{tempfile.mkdtemp(prefix='murmur-reports-')}/bench.db"
    r = measure(url, n)
    print(
        f"{url.split(':')[0]}: {r['conversations']:,.0f} conversations over a year, {N_AGENTS} agents, {N_TEAMS} teams"
    )
    print(f"  report, 365 days (per agent, team, total): p50 {r['year_ms']:8.1f} ms")
    print(f"  report, 30 days:                           p50 {r['month_ms']:8.1f} ms")
    print(
        f"  naive, 365 days, first response and resolution per agent in Python: p50 {r['naive_year_ms']:8.1f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
