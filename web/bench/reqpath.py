"""`python -m web.bench.reqpath URL [--baseline DIR]`: what a read request costs the web process.

The issue's figures (`web.bench.scale`) are p95 wall times through HTTP on a shared 2-core
machine, where a request mostly waits for a core. To tell one version of the request path from
another, this serves the same database with two code trees at once (a baseline checkout, e.g.
`git archive main | tar -x -C DIR`, and this one), each a real `murmur serve` (gunicorn), and
takes turns between them in rounds, so a change of load on the machine falls on both. Per figure
and side it reports:

* the first request after start (cold: statements compiled, modules imported on first use);
* p50 / p95 of the wall time through HTTP (requests, keep-alive);
* the server's CPU per request: the web worker's threads' on-CPU nanoseconds
  (`/proc/<pid>/task/*/schedstat`) across the requests, divided by their number.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from web.bench.common import _percentile, _workdir
from web.bench.scale import served

HERE = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def serve_tree(url: str, tree: Path, workdir: Path) -> Iterator[tuple[str, int]]:
    """`murmur serve` of the code in `tree` on `url`; yields its base URL and the worker's pid."""
    with served(url, workdir, tree, {"MURMUR_API_RATE_LIMIT": "1000000 per minute"}, worker=True) as got:
        yield got


def cpu_ns(pid: int) -> int:
    """On-CPU nanoseconds of every live thread of `pid`."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total


def run(url: str, baseline: Path, rounds: int, n: int, only: tuple[str, ...] = ()) -> None:
    """Serve `url` from `baseline` and from this tree, and print the table (see the module
    docstring); `only` keeps the figures whose names start with one of these prefixes."""
    import requests

    from inbox.conversations.thread import PAGE  # noqa: F401 - this tree's code imports
    from web.bench.report import machine
    from web.bench.scale import _app, _subjects

    print(f"reqpath A/B: {machine()}; load {os.getloadavg()[0]:.2f}")
    with _workdir() as workdir:
        app = _app(url, workdir)
        who = _subjects(app.extensions["murmur.inbox"])
        app.extensions["murmur.inbox"].engine.dispose()
        figures = {
            "/healthz": ("/healthz", None),
            "ranked list, one team": ("/api/conversations", {"team": who["team"], "limit": 50}),
            "conversation of 200": (f"/api/conversations/{who['c200']}", None),
            "longest conversation": (f"/api/conversations/{who['longest']}", None),
        }
        if only:
            figures = {k: v for k, v in figures.items() if k.startswith(only)}
        sides = {"main": baseline, "this": HERE}
        results: dict[tuple[str, str], dict[str, list[float]]] = {}
        with contextlib.ExitStack() as stack:
            servers = {
                name: stack.enter_context(serve_tree(url, tree, workdir)) for name, tree in sides.items()
            }
            sessions = {name: stack.enter_context(requests.Session()) for name in sides}
            for s in sessions.values():
                s.headers["Authorization"] = f"Bearer {who['token']}"
            for r in range(rounds):
                order = list(sides) if r % 2 == 0 else list(reversed(sides))
                for side in order:
                    base, pid = servers[side]
                    for fig, (path, params) in figures.items():
                        res = results.setdefault((fig, side), {"wall": [], "cpu": [], "first": []})
                        c0, t0 = cpu_ns(pid), time.perf_counter()
                        sessions[side].get(base + path, params=params, timeout=60).raise_for_status()
                        if r == 0:
                            res["first"].append((time.perf_counter() - t0) * 1000)
                        c0 = cpu_ns(pid)
                        for _ in range(n):
                            t = time.perf_counter()
                            sessions[side].get(base + path, params=params, timeout=60).raise_for_status()
                            res["wall"].append((time.perf_counter() - t) * 1000)
                        res["cpu"].append((cpu_ns(pid) - c0) / 1e6 / n)
        print(f"{rounds} rounds of {n} requests a figure and side, sides alternating; load now "
              f"{os.getloadavg()[0]:.2f}")  # fmt: skip
        print(
            f"{'figure':24s} {'side':5s} {'first':>8s} {'p50':>8s} {'p95':>8s} {'CPU/req':>8s}  CPU per round"
        )
        for (fig, side), res in results.items():
            cpu = sorted(res["cpu"])
            print(
                f"{fig:24s} {side:5s} {res['first'][0]:7.2f}  {_percentile(res['wall'], 50):7.2f}  "
                f"{_percentile(res['wall'], 95):7.2f}  {cpu[len(cpu) // 2]:7.2f}  "
                + " ".join(f"{c:.2f}" for c in res["cpu"])
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("--baseline", type=Path, required=True, help="a checkout of the code to compare with")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("-n", type=int, default=40)
    p.add_argument("--only", action="append", default=[], help="figures whose names start so (repeatable)")
    a = p.parse_args()
    run(a.url, a.baseline, a.rounds, a.n, tuple(a.only))


if __name__ == "__main__":
    main()
