"""Scaled mode under a long read: does a year-long dashboard on a web process delay the webhooks
that process answers, and does any request answer 500?

In scaled mode a webhook is verified, recorded and answered 202 by the web process; the
dashboard is a read on the same process (gunicorn threads share its interpreter) and on the
same PostgreSQL. This posts signed webhooks one at a time to web B, first alone and then while
another client asks web B for the 365-day dashboard over and over, and counts every answer
that is not 2xx (webhooks and dashboards alike).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from web.bench.common import _percentile, _workdir, texts


def _fill(url: str, secret_key: str, channel_id: int, n: int) -> None:
    """`n` messages over the last year, through the one ingest path, 1,000 a batch."""
    from connectors.types import Author, InboundMessage
    from inbox.ingest import ingest
    from inbox.store.context import Inbox

    inbox = Inbox.from_url(url, secret_key)
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / max(1, n)
    try:
        batch: list[Any] = []
        for i, (body, lang) in enumerate(texts(n, seed=11)):
            who = f"h{i % max(1, n // 10)}"
            batch.append(
                InboundMessage(
                    channel="webhook",
                    external_id=f"h{i}",
                    thread_key=who,
                    author=Author(who, who),
                    text=body,
                    created_at=start + step * i,
                    language_hint=lang,
                )
            )
            if len(batch) == 1000:
                ingest(inbox, channel_id, batch)
                batch = []
        if batch:
            ingest(inbox, channel_id, batch)
    finally:
        inbox.engine.dispose()


def webhook_beside_dashboard(n: int = 200, history: int = 20_000, warmup: int = 10) -> dict[str, float]:
    """Webhook answer times (ms) on web B alone, beside a 365-day dashboard loop on web B, and
    beside the same loop on web A, with `history` messages stored; the dashboards' count and
    mean; answers that were not 2xx."""
    import httpx

    from connectors.webhook import sign
    from inbox.admin.agents import create_agent, create_token
    from inbox.channels.accounts import create_channel
    from inbox.store.context import Inbox
    from web.bench.scaled_processes import _stack

    bad: list[tuple[str, int]] = []
    with _workdir() as path, _stack(path, 2) as stack:
        inbox = Inbox.from_url(stack.database_url, stack.secret_key)
        try:
            create_agent(inbox, "sup@example.com", "long enough password", "supervisor", teams=["Support"])
            token = create_token(inbox, "sup@example.com")
            channel, generated = create_channel(inbox, None, "webhook", "bench", {}, {})
        finally:
            inbox.engine.dispose()
        _fill(stack.database_url, stack.secret_key, channel["id"], history)
        base = f"http://127.0.0.1:{stack.ports[1]}"
        url = f"/api/channels/{channel['id']}/webhook"
        counter = iter(range(10**9))

        def deliveries(http: httpx.Client, count: int) -> list[float]:
            took = []
            for i in range(count + warmup):
                k = next(counter)
                body = json.dumps(
                    {
                        "id": f"d{k}",
                        "text": f"Order {k} has not arrived",
                        "author": {"id": f"a{k % 40}", "handle": f"a{k % 40}"},
                    }
                ).encode()
                start = time.perf_counter()
                res = http.post(
                    url, content=body, headers=sign(generated["webhook_secret"], body, int(time.time()))
                )
                if res.status_code != 202:
                    bad.append(("webhook", res.status_code))
                if i >= warmup:
                    took.append((time.perf_counter() - start) * 1000)
            return took

        with httpx.Client(base_url=base, timeout=120) as http:
            alone = deliveries(http, n)
            stop, dash_ms = threading.Event(), []
            since = (datetime.now(UTC) - timedelta(days=365)).isoformat()

            def dashboards(at: str) -> None:
                with httpx.Client(base_url=at, timeout=300) as reader:
                    while not stop.is_set():
                        start = time.perf_counter()
                        res = reader.get(
                            "/api/dashboard",
                            params={"from": since},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        if res.status_code != 200:
                            bad.append(("dashboard", res.status_code))
                        dash_ms.append((time.perf_counter() - start) * 1000)

            def beside_dashboards(at: str) -> list[float]:
                stop.clear()
                reader = threading.Thread(target=dashboards, args=(at,), daemon=True)
                reader.start()
                done = len(dash_ms)
                while len(dash_ms) == done and reader.is_alive():  # one done: the loop is in full swing
                    time.sleep(0.05)
                took = deliveries(http, n)
                stop.set()
                reader.join(300)
                return took

            beside = beside_dashboards(base)  # the dashboard on web B too: one interpreter, one GIL
            apart = beside_dashboards(f"http://127.0.0.1:{stack.ports[0]}")  # the dashboard on web A
    return {
        "alone_p50_ms": _percentile(alone, 50),
        "alone_p99_ms": _percentile(alone, 99),
        "alone_max_ms": max(alone),
        "beside_p50_ms": _percentile(beside, 50),
        "beside_p99_ms": _percentile(beside, 99),
        "beside_max_ms": max(beside),
        "apart_p50_ms": _percentile(apart, 50),
        "apart_p99_ms": _percentile(apart, 99),
        "apart_max_ms": max(apart),
        "dashboards": float(len(dash_ms)),
        "dashboard_mean_ms": sum(dash_ms) / max(1, len(dash_ms)),
        "not_2xx": float(len(bad)),
        "history": float(history),
        "webhooks": float(n),
    }


if __name__ == "__main__":  # pragma: no cover - `python -m web.bench.scaled_concurrency [--quick]`
    import sys

    quick = "--quick" in sys.argv
    print(json.dumps(webhook_beside_dashboard(50 if quick else 200, 5000 if quick else 20_000), indent=2))
