"""Webhooks beside long reads: does a year-long dashboard delay a delivery on SQLite?

Before reads took deferred transactions, every read began `BEGIN IMMEDIATE`: while one 365-day
dashboard ran, webhook deliveries waited for it (up to the busy timeout, then HTTP 500). Now a
read shares the machine's CPU with the writer but never its lock; this measures what is left.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from web.bench.common import _percentile, _sqlite_inbox, _team_id, _workdir, texts
from web.bench.servers import serve_sqlite


def _fill(inbox: Any, channel_id: int, n: int) -> None:
    from inbox.ingest import ingest
    from web.bench.common import _inbound

    corpus = _inbound(texts(n, seed=7), authors=max(1, n // 10), seed=7)
    for i in range(0, n, 1000):
        ingest(inbox, channel_id, corpus[i : i + 1000])


def webhook_beside_dashboard(n: int = 300, history: int = 20_000, warmup: int = 10) -> dict[str, float]:
    """Signed webhook POSTs to a real `murmur serve` on SQLite with `history` messages stored, each
    timed to its answer: first alone, then while another client asks for the 365-day dashboard
    over and over. Returns p50/p99 (ms) of both runs, how many dashboards ran and their mean."""

    import httpx

    from connectors.webhook import sign
    from inbox.admin.agents import create_agent, create_token
    from inbox.channels.accounts import create_channel

    with contextlib.ExitStack() as stack:
        path = stack.enter_context(_workdir())
        inbox = _sqlite_inbox(path)
        create_agent(inbox, "boss@example.com", "bench password 123", "supervisor", teams=["Support"])
        token = create_token(inbox, "boss@example.com")
        channel, generated = create_channel(inbox, None, "webhook", "bench", {}, {}, _team_id(inbox))
        _fill(inbox, channel["id"], history)
        inbox.engine.dispose()
        port = stack.enter_context(serve_sqlite(path)).port
        base = f"http://127.0.0.1:{port}"
        http = stack.enter_context(httpx.Client(base_url=base, timeout=60))
        url = f"/api/channels/{channel['id']}/webhook"
        counter = iter(range(10**9))

        def deliveries(count: int) -> list[float]:
            took = []
            for i in range(count + warmup):
                k = next(counter)
                body = json.dumps(
                    {
                        "id": f"b{k}",
                        "text": f"Order {k} has not arrived",
                        "author": {"id": str(k % 40), "handle": f"c{k % 40}"},
                    }
                ).encode()
                start = time.perf_counter()
                res = http.post(
                    url, content=body, headers=sign(generated["webhook_secret"], body, int(time.time()))
                )
                if res.status_code != 200:
                    raise RuntimeError(f"webhook answered {res.status_code}: {res.text}")
                if i >= warmup:
                    took.append((time.perf_counter() - start) * 1000)
            return took

        alone = deliveries(n)
        stop, dash_ms = threading.Event(), []
        since = (datetime.now(UTC) - timedelta(days=365)).isoformat()

        def dashboards() -> None:
            with httpx.Client(base_url=base, timeout=120) as reader:
                while not stop.is_set():
                    start = time.perf_counter()
                    res = reader.get(
                        "/api/dashboard", params={"from": since}, headers={"Authorization": f"Bearer {token}"}
                    )
                    if res.status_code != 200:
                        raise RuntimeError(f"dashboard answered {res.status_code}: {res.text[:200]}")
                    dash_ms.append((time.perf_counter() - start) * 1000)

        reader = threading.Thread(target=dashboards, daemon=True)
        reader.start()
        while not dash_ms and reader.is_alive():  # one dashboard done: the loop is in full swing
            time.sleep(0.05)
        beside = deliveries(n)
        stop.set()
        reader.join(120)
    return {
        "alone_p50_ms": _percentile(alone, 50),
        "alone_p99_ms": _percentile(alone, 99),
        "beside_p50_ms": _percentile(beside, 50),
        "beside_p99_ms": _percentile(beside, 99),
        "dashboards": float(len(dash_ms)),
        "dashboard_mean_ms": sum(dash_ms) / max(1, len(dash_ms)),
        "history": float(history),
        "webhooks": float(n),
    }
