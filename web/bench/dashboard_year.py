"""`make bench`: the dashboard's main queries on a year of traffic, beside a plain count.

Why here as well as in `make bench-scale`: the dashboard is what a brand manager opens first,
and its promise (issue 19) is that a year answers about as fast as the database can merely count
that year's messages. So for 30 and 365 days each request the page makes is timed through the
Flask app (in process, a supervisor's token): the figures (`/api/dashboard`), the split series
(`/api/dashboard/series`, by channel and by label, the topics chart), and the whole page
(`/dashboard`: the figures, rising terms per language and the pickers' values), each next to
`SELECT count(*)` of the same range's inbound messages run in the same process and run.

The year is bench-scale's (`web.bench.year`: 1,000,000 messages, built once and kept under
instance/bench-scale, then copied), so both benchmarks read the same data.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from inbox.store.models import Message
from web.bench.common import Figure, _workdir
from web.bench.year import KEEP, Keep, Shape, sqlite_copy

LIMIT = 2.0  # the page's API within 2x of a plain count of the range


def _ms(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(url: str, label: str = "SQLite", n: int = 3) -> list[Figure]:
    """Time the dashboard's requests for 30 and 365 days on the database at `url`."""
    from inbox.admin.agents import create_agent, create_token
    from web.app import create_app
    from web.config import Config

    config = Config(
        database_url=url,
        redis_url=None,
        secret_key="bench-secret",
        testing=True,
        scheduler=False,
        instance_path=tempfile.mkdtemp(prefix="murmur-dash-"),
    )
    app = create_app(config)
    inbox = app.extensions["murmur.inbox"]
    email = f"dash-{time.time_ns()}@bench.test"
    create_agent(inbox, email, "bench password 1", "supervisor", "Bench", teams=[])
    auth = {"Authorization": f"Bearer {create_token(inbox, email)}"}
    client = app.test_client()
    with inbox.read() as s:  # the year ends when it was built (kept years are reused for days)
        last = s.scalar(select(func.max(Message.created_at)).where(Message.direction == "in"))
    now = last + timedelta(seconds=1)
    figures: list[Figure] = []
    for days in (30, 365):
        figures += _one_range(client, auth, inbox.engine, url, now - timedelta(days=days), now, label, n)
    inbox.engine.dispose()
    return figures


def _one_range(
    client: Any,
    auth: dict[str, str],
    engine: Any,
    url: str,
    start: datetime,
    end: datetime,
    label: str,
    n: int,
) -> list[Figure]:
    rng = {"from": start.isoformat(), "to": end.isoformat()}
    days = round((end - start).total_seconds() / 86400)

    def get(path: str, **extra: str) -> Any:
        resp = client.get(path, query_string={**rng, **extra}, headers=auth)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        return resp

    get("/api/dashboard")  # warm: statements prepared, pages cached, as a second visit finds them
    bounds: dict[str, Any] = {"a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None)}
    if url.startswith("sqlite"):
        bounds = {k: v.isoformat(" ", "microseconds") for k, v in bounds.items()}
    count_sql = text(
        "SELECT count(*) FROM messages WHERE direction = 'in' AND created_at >= :a AND created_at < :b"
    )
    with engine.connect() as conn:
        messages = conn.execute(count_sql, bounds).scalar()
        count_ms = _ms(lambda: conn.execute(count_sql, bounds).scalar(), n)
    figures = []
    for name, path, extra, judged in (
        ("figures /api/dashboard", "/api/dashboard", {}, True),
        ("series by channel", "/api/dashboard/series", {"by": "channel"}, False),
        ("topics (series by label)", "/api/dashboard/series", {"by": "label"}, False),
        ("whole page /dashboard", "/dashboard", {}, False),
    ):
        value = _ms(lambda p=path, e=extra: get(p, **e), n)
        figures.append(
            Figure(
                f"(f) {label} dashboard {days} d: {name}",
                value,
                "ms",
                count_ms,
                "plain count(*)",
                f"<= {LIMIT:g}x" if judged else "",
                value <= LIMIT * count_ms if judged else None,
                f"{messages:,} inbound messages in range; median of {n}" if judged else "",
            )
        )
    return figures


def dashboard_year_figures(
    out: Callable[[str], Any] = print, shape: Shape | None = None, keep: Keep = KEEP, n: int = 3
) -> list[Figure]:
    """Bench-scale's kept year (built when missing: tens of minutes the first time), copied, measured."""
    shape = shape or Shape()
    with _workdir() as workdir:
        url = sqlite_copy(shape, Path(workdir), out, keep)
        return measure(url, "SQLite", n)
