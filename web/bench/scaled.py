"""`python -m web.bench --scaled [--quick]`: the scaled mode's figures on real processes, each
beside what the same run measured for comparison, and the lines of the report.

The parts: `scaled_processes` (the stack, CPU accounting, the workspace), `scaled_drain`
(1 vs 2 workers, statements per drain), `scaled_webhooks` (webhooks accepted, server CPU per
message, webhook -> agent on another web process, the bare emit), `scaled_concurrency`
(webhooks beside a 365-day dashboard).
"""

from __future__ import annotations

import json
import os
from typing import Any

from web.bench.scaled_drain import drain_rate, drain_statements
from web.bench.scaled_webhooks import bare_redis_emit, webhook_figures


def scaled_figures(quick: bool = False) -> dict[str, Any]:
    """Every scaled figure; needs PostgreSQL on 127.0.0.1 and Redis (MURMUR_BENCH_REDIS_URL)."""
    n = 300 if quick else 2000
    one = drain_rate(1, n)
    two = drain_rate(2, n)
    uncached = webhook_figures(100 if quick else 600, latency_n=50 if quick else 300, cache=False)
    # 200 warm samples even when quick: of 40, the p99 was the slowest one (one scheduler hiccup
    # on a shared machine moved it 15 -> 25 ms between two runs of the same code)
    hooks = webhook_figures(100 if quick else 600, latency_n=210 if quick else 300, lean_client=True)
    bare = bare_redis_emit(50 if quick else 300)
    from web.bench.scaled_concurrency import webhook_beside_dashboard

    drain = drain_statements(10 if quick else 30)

    dash = webhook_beside_dashboard(50 if quick else 200, 5000 if quick else 20_000)
    return {
        "one_per_s": one["per_s"],
        "two_per_s": two["per_s"],
        "one_worker_ms": one["worker_ms"],
        "one_postgres_ms": one["postgres_ms"],
        "two_worker_ms": two["worker_ms"],
        "two_postgres_ms": two["postgres_ms"],
        "one_web_ms_per_s": one["web_ms_per_s"],
        "two_web_ms_per_s": two["web_ms_per_s"],
        "two_lock_wait_share": two["lock_wait_share"],
        "two_waits": two["waits"],
        **hooks,
        **{f"uncached_{k}": v for k, v in uncached.items()},
        **{f"dash_{k}": v for k, v in dash.items()},
        **{f"drain_{k}": v for k, v in drain.items()},
        "bare_p50_ms": bare["p50_ms"],
        "bare_p99_ms": bare["p99_ms"],
        "messages": float(n),
    }


def scaled_report(quick: bool = False) -> list[Any]:
    """The scaled lines of the report (`python -m web.bench --scaled [--quick]`)."""
    from web.bench.common import Figure

    load_before = os.getloadavg()[0]
    f = scaled_figures(quick)
    load_after = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    per_msg_one = f["one_worker_ms"] + f["one_postgres_ms"]
    delay = f["dash_beside_max_ms"] - f["dash_alone_p50_ms"]
    return [
        Figure(
            "(s) machine load average (1 min), start / end",
            load_before,
            "",
            note=f"end {load_after:.1f} on {cores} cores: every figure below shares the machine; on a busy "
            "one each wait for a core (a round trip to PostgreSQL, a wake-up) adds to the latencies",
        ),
        Figure(
            "(s) scaled ingest, one channel, 1 worker",
            f["one_per_s"],
            "msg/s",
            note=f"{f['messages']:.0f} recorded webhook messages in 200 conversations drained by `murmur worker` "
            "processes from PostgreSQL; only the drain is timed",
        ),
        Figure(
            "(s) scaled ingest, one channel, 2 workers",
            f["two_per_s"],
            "msg/s",
            f["one_per_s"],
            "1 worker",
            ">= 1.70x" if cores >= 4 else f">= 1.70x (needs the cores; this machine has {cores})",
            f["two_per_s"] >= 1.7 * f["one_per_s"] if cores >= 4 else None,
        ),
        Figure(
            "    worker + PostgreSQL CPU per message, 1 worker",
            per_msg_one,
            "ms",
            target="<= 5 ms",
            ok=per_msg_one <= 5,
        ),
        Figure(
            "    worker + PostgreSQL CPU per message, 2 workers",
            f["two_worker_ms"] + f["two_postgres_ms"],
            "ms",
        ),
        Figure(
            "    web processes' CPU while workers drain, 1 / 2 workers",
            f["one_web_ms_per_s"],
            "ms/s",
            note=f"2 workers {f['two_web_ms_per_s']:.1f} ms/s: the web processes have nothing to do "
            "in the drain-only phase (idle threads only)",
        ),
        Figure(
            "    2 workers' PostgreSQL backends waiting for a lock",
            f["two_lock_wait_share"] * 100,
            "%",
            note="pg_stat_activity and pg_locks every 10 ms during the 2-worker drain: " + f["two_waits"],
        ),
        Figure(
            "(s) statements per drain of one new webhook message",
            f["drain_cached_statements"],
            "",
            f["drain_uncached_statements"],
            "settings read every drain",
            note="each a round trip to PostgreSQL; a drain in this process, median (web/bench/scaled_drain.py)",
        ),
        Figure(
            "    wall time of that drain, median",
            f["drain_cached_wall_ms"],
            "ms",
            f["drain_uncached_wall_ms"],
            "settings read every drain",
        ),
        Figure(
            "(s) server CPU per message, settings read every drain",
            f["uncached_server_ms"],
            "ms",
            note="the same webhooks, processes started with MURMUR_SETTINGS_CACHE=0 (as before the cache): "
            "rules, SLA policies, agents and subscriptions read by every drain",
        ),
        Figure(
            "    webhook on B -> agent on A p50 / p99, settings read every drain",
            f["uncached_p50_ms"],
            "ms",
            note=f"p99 {f['uncached_p99_ms']:.1f} ms",
        ),
        Figure("(s) webhooks accepted (202), 2 web processes", f["accepted_per_s"], "msg/s"),
        Figure("    web CPU per accepted webhook", f["web_ms"], "ms"),
        Figure(
            "(s) server CPU per message, webhook to stored",
            f["server_ms"],
            "ms",
            f["uncached_server_ms"],
            "settings read every drain",
            target="<= 5 ms",
            ok=f["server_ms"] <= 5,
            note="web processes + workers + PostgreSQL backends, from /proc/<pid>/stat, over the whole path",
        ),
        *_breakdown(f, "hooks", "    server CPU per message, {kind}"),
        *_breakdown(f, "one", "    one at a time, B -> agent on A: {kind}"),
        Figure(
            "(s) webhook on B -> agent on A p50", f["p50_ms"], "ms", f["bare_p50_ms"], "bare emit via Redis"
        ),
        Figure("    webhook on B -> agent on A p90", f["p90_ms"], "ms"),
        Figure(
            "    of which web B's answer (202) p50 / p99",
            f["answered_p50_ms"],
            "ms",
            note=f"p99 {f['answered_p99_ms']:.1f} ms; the rest is the wake-up, the worker's drain "
            "(one transaction) and the emit through Redis to web A",
        ),
        Figure(
            "    of which 202 -> the worker's batch begins p50 / p99",
            f["pickup_p50_ms"],
            "ms",
            note=f"p99 {f['pickup_p99_ms']:.1f} ms: the wake-up (Redis list), the drain thread's pickup, "
            "the lane's claim (from the message's received_at)",
        ),
        Figure(
            "    of which batch begins -> agent on A p50 / p99",
            f["after_p50_ms"],
            "ms",
            note=f"p99 {f['after_p99_ms']:.1f} ms: ingest, commit, the emit through Redis, web A's send",
        ),
        Figure(
            "      batch begins -> published on Redis p50 / p99",
            f["to_publish_p50_ms"],
            "ms",
            note=f"p99 {f['to_publish_p99_ms']:.1f} ms: ingest, commit, publish (the bench subscribes too)",
        ),
        Figure(
            "      published on Redis -> agent on A p50 / p99",
            f["to_client_p50_ms"],
            "ms",
            note=f"p99 {f['to_client_p99_ms']:.1f} ms: web A's listener, its emit, the websocket, the client",
        ),
        Figure("    webhook on B -> agent on A max", f["max_ms"], "ms"),
        Figure(
            "    webhook on B -> agent on A p50 / p99, client skipping its UTF-8 check",
            f["lean_p50_ms"],
            "ms",
            note=f"p99 {f['lean_p99_ms']:.1f} ms; published on Redis -> agent {f['lean_to_client_p50_ms']:.1f} / "
            f"{f['lean_to_client_p99_ms']:.1f} ms: the same path once more, the client's websocket not checking "
            "UTF-8 byte by byte in Python (a browser checks in native code: microseconds; web/bench/scaled_webhooks.py _LEAN)",
        ),
        Figure(
            "(s) webhook on B -> agent on A p99",
            f["p99_ms"],
            "ms",
            f["bare_p99_ms"],
            "bare emit via Redis",
            "<= 20 ms",
            f["p99_ms"] <= 20,
            "one POST at a time to web B, a python-socketio client with a token on web A; bare = this "
            "process emitting through the same Redis to a bare Flask-SocketIO server's client",
        ),
        Figure(
            "(s) webhook answer (202) on web B beside a 365-day dashboard on web B, p99",
            f["dash_beside_p99_ms"],
            "ms",
            f["dash_alone_p99_ms"],
            "alone",
            note=f"p50 {f['dash_beside_p50_ms']:.1f} ms (alone {f['dash_alone_p50_ms']:.1f}); "
            f"{f['dash_dashboards']:.0f} dashboards of {f['dash_history']:.0f} messages ran meanwhile, "
            f"mean {f['dash_dashboard_mean_ms']:.0f} ms (web/bench/scaled_concurrency.py)",
        ),
        Figure(
            "    worst webhook beside the dashboard, over the alone p50",
            delay,
            "ms",
            target="<= 100 ms",
            ok=delay <= 100,
        ),
        Figure(
            "(s) webhook answer (202) on web B beside a 365-day dashboard on web A, p99",
            f["dash_apart_p99_ms"],
            "ms",
            f["dash_alone_p99_ms"],
            "alone",
            note=f"p50 {f['dash_apart_p50_ms']:.1f} ms, worst {f['dash_apart_max_ms']:.1f} ms: webhooks on "
            "web processes of their own (the proxy routes /api/channels/*/webhook), dashboards elsewhere",
        ),
        Figure(
            "    worst webhook beside the dashboard on web A, over the alone p50",
            f["dash_apart_max_ms"] - f["dash_alone_p50_ms"],
            "ms",
            target="<= 100 ms",
            ok=f["dash_apart_max_ms"] - f["dash_alone_p50_ms"] <= 100,
        ),
        Figure(
            "    answers other than 2xx (webhooks and dashboards)",
            f["dash_not_2xx"],
            "",
            target="0",
            ok=f["dash_not_2xx"] == 0,
        ),
    ]


def _breakdown(f: dict[str, Any], phase: str, label: str) -> list[Any]:
    """One line per process kind (web A, web B, workers, each one's PostgreSQL backends): CPU
    per message over the phase, beside the same stack's CPU over the same wall time with no
    webhook (the idle baseline, per message of the phase); the note names its busiest threads."""
    from web.bench.common import Figure

    kinds = sorted({k.split(":", 2)[2] for k in f if k.startswith((f"cpu:{phase}:", f"idle:{phase}:"))})
    out = []
    for kind in kinds:
        threads = sorted(
            ((v, k.split(":", 3)[3]) for k, v in f.items() if k.startswith(f"thr:{phase}:{kind}:")),
            reverse=True,
        )
        idle = {k.split(":", 3)[3]: v for k, v in f.items() if k.startswith(f"ithr:{phase}:{kind}:")}
        note = ", ".join(
            f"{name} {v:.2f} (idle {idle.get(name, 0.0):.2f})" for v, name in threads[:4] if v > 0
        )
        out.append(
            Figure(
                label.format(kind=kind),
                f.get(f"cpu:{phase}:{kind}", 0.0),
                "ms",
                f.get(f"idle:{phase}:{kind}", 0.0),
                "idle, same wall time",
                note=note,
            )
        )
    return out


if __name__ == "__main__":  # pragma: no cover - `python -m web.bench.scaled [--quick]`
    import sys

    print(json.dumps(scaled_figures("--quick" in sys.argv), indent=2))
