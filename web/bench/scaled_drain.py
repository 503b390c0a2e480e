"""Scaled ingest on the worker's side: how fast `murmur worker`s drain one channel (1 against 2
workers, with their CPU and PostgreSQL's per message), and how many statements one drain of a
lone webhook message sends (each a round trip to PostgreSQL).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from web.bench.common import _percentile, _workdir
from web.bench.scaled_cpu import WaitSampler
from web.bench.scaled_processes import DATABASE, _Cpu, _messages, _settings, _stack, _wait_drained


def drain_rate(workers: int, n: int = 2000, conversations: int = 200) -> dict[str, Any]:
    """Messages a second that `workers` worker processes ingest from one channel's recorded
    deliveries (recorded before the drain starts, so only the drain is timed), and the CPU
    seconds per message of workers and PostgreSQL during it."""
    from celery import Celery

    from inbox.channels import draining, inbound
    from inbox.channels.accounts import create_channel
    from inbox.store.context import Inbox

    with _workdir() as path, _stack(path, workers) as stack:
        # a starting worker sweeps again once a dead holder's lease could have run out: let that
        # pass first, so the drain starts only when timed
        time.sleep(draining.LEASE.total_seconds() + 2)
        inbox = Inbox.from_url(stack.database_url, stack.secret_key)
        try:
            channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {})
            msgs = _messages(n, conversations, datetime.now(UTC))
            for i in range(0, n, 200):  # recorded as the web processes would, no task sent
                inbound.record(inbox, channel["id"], msgs[i : i + 200])
        finally:
            inbox.engine.dispose()
        webs = [p.p.pid for p in stack.procs if p.log.name.startswith("web")]
        cpu = _Cpu(stack.database_url, {"worker": [w.p.pid for w in stack.workers], "web": webs})
        before = cpu.sample()
        celery: Celery = stack.celery  # type: ignore[assignment]
        with WaitSampler(stack.database_url) as waits:
            celery.send_task("murmur.drain_due")  # fans out one task per lane
            seconds = _wait_drained(stack.database_url, n, timeout=600)
        spent = _Cpu.spent(before, cpu.sample())
        cpu.engine.dispose()
    locked, states = waits.summary()
    return {
        "messages": float(n),
        "per_s": n / seconds,
        "worker_ms": spent["worker"] / n * 1000,
        "postgres_ms": spent["postgres"] / n * 1000,
        # the web processes have nothing to do while workers drain: their CPU over the phase
        "web_ms_per_s": spent["web"] / seconds * 1000,
        "lock_wait_share": locked,
        "waits": states,  # type: ignore[dict-item]
    }


def drain_statements(rounds: int = 20) -> dict[str, float]:
    """Statements (each a round trip to PostgreSQL) and wall ms of one drain of a lane holding
    one new webhook message, in this process, with the settings read every drain and kept: the
    same workspace as the webhook figures (default rules, an SLA policy, four online agents; the
    webhook subscriptions, none, are read all the same). Median over `rounds` drains each."""
    from sqlalchemy import event, select

    from connectors.types import Author, InboundMessage
    from inbox.channels import draining, inbound, webhooks_out
    from inbox.channels.accounts import create_channel
    from inbox.store import settings_cache
    from inbox.store.context import Inbox
    from inbox.store.models import Team
    from tests.service.processes import fresh_database

    inbox = Inbox.from_url(
        fresh_database(DATABASE + "_drain"), "bench", event_hooks=[webhooks_out.queue_events]
    )
    out: dict[str, float] = {}
    try:
        from inbox.admin.agents import create_agent

        sup = create_agent(inbox, "sup@example.com", "long enough password", "supervisor", teams=["Support"])
        _settings(inbox, sup)
        with inbox.read() as s:
            team = s.scalar(select(Team.id).where(Team.name == "Support"))
        channel, _ = create_channel(inbox, None, "webhook", "bench", {}, {}, team)
        seen: list[str] = []

        def count(*_args: Any) -> None:
            seen.append("")

        k = 0
        for label, on in (("uncached", False), ("cached", True)):
            (settings_cache.switch_on if on else settings_cache.switch_off)(inbox.engine)
            statements, walls = [], []
            for i in range(rounds + 1):
                k += 1
                m = InboundMessage(
                    channel="webhook",
                    external_id=f"d{k}",
                    thread_key=f"t{k}",
                    author=Author(f"t{k}", f"t{k}"),
                    text="Where is my order? It's been two weeks.",
                    created_at=datetime.now(UTC),
                )
                inbound.record(inbox, channel["id"], [m])
                seen.clear()
                event.listen(inbox.engine, "before_cursor_execute", count)
                start = time.perf_counter()
                draining.drain_lane(inbox, channel["id"], inbound.lane_of(m.thread_key))
                took = (time.perf_counter() - start) * 1000
                event.remove(inbox.engine, "before_cursor_execute", count)
                if i:  # the first loads what the rest keep
                    statements.append(len(seen))
                    walls.append(took)
            out[f"{label}_statements"] = _percentile(statements, 50)
            out[f"{label}_wall_ms"] = _percentile(walls, 50)
    finally:
        settings_cache.switch_on(inbox.engine)
        inbox.engine.dispose()
    return out
