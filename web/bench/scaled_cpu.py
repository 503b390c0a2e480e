"""Where the scaled mode's server CPU goes: per process kind (web A, web B, workers, the
PostgreSQL backends of each, by their `application_name`) and per thread (the OS names
`web.procnames` gives them: request threads, drain threads, the Socket.IO message-queue
listener, Celery's own), read from /proc/<pid>/task/<tid>/stat, and the same stack's CPU over
the same wall time with nothing to do, so background work shows apart from the messages'.
"""

from __future__ import annotations

import time
from pathlib import Path

from web.bench.scaled_processes import _TICK, DATABASE, _tree

BENCH = "PostgreSQL for the bench"
Key = tuple[str, str, int]  # (process kind, thread name, tid or backend pid)


def _threads(pid: int) -> dict[tuple[str, int], float]:
    """(thread name, tid) -> user + system CPU seconds of every thread of one process."""
    out: dict[tuple[str, int], float] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            comm = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[(comm, int(task.name))] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


class CpuBreakdown:
    """Samples of every thread's CPU of the named processes (with their children: gunicorn
    serves in its worker child, whose arbiter shows as `arbiter`) and of this database's
    PostgreSQL backends, labelled by the process whose connection they serve."""

    def __init__(self, url: str, kinds: dict[str, list[int]]) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url.rsplit("/", 1)[0] + "/postgres")
        self.kinds = kinds

    def _backends(self, owner: dict[int, str]) -> dict[Key, float]:
        from sqlalchemy import text

        from web.bench.scaled_processes import _cpu_seconds

        with self.engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT pid, application_name, backend_type FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": DATABASE},
            ).all()
        out: dict[Key, float] = {}
        for pid, app, backend_type in rows:
            words = (app or "").split()
            kind = owner.get(int(words[-1])) if len(words) == 3 and words[-1].isdigit() else None
            label = f"PostgreSQL for {kind}" if kind else f"PostgreSQL {backend_type if app == '' else app}"
            if not kind and backend_type == "client backend":
                label = BENCH  # this process's own reads (waiting for the drain)
            out[(label, "backend", int(pid))] = _cpu_seconds(int(pid))
        return out

    def sample(self) -> dict[Key, float]:
        out: dict[Key, float] = {}
        owner: dict[int, str] = {}
        for kind, tops in self.kinds.items():
            for top in tops:
                tree = _tree(top)
                for pid in tree:
                    owner[pid] = kind
                    for (name, tid), cpu in _threads(pid).items():
                        label = "arbiter" if pid == top and len(tree) > 1 else name
                        out[(kind, label, tid)] = cpu
        out.update(self._backends(owner))
        return out

    def close(self) -> None:
        self.engine.dispose()

    @staticmethod
    def spent(before: dict[Key, float], after: dict[Key, float]) -> dict[tuple[str, str], float]:
        """CPU seconds by (kind, thread name) between two samples (threads and backends that
        ended in between are not counted)."""
        out: dict[tuple[str, str], float] = {}
        for (kind, name, tid), cpu in after.items():
            out[(kind, name)] = out.get((kind, name), 0.0) + cpu - before.get((kind, name, tid), 0.0)
        return out

    def idle(self, seconds: float) -> dict[tuple[str, str], float]:
        """What the stack spends over `seconds` of wall time with no message to handle."""
        before = self.sample()
        time.sleep(seconds)
        return self.spent(before, self.sample())


def figures(
    phase: str, spent: dict[tuple[str, str], float], idle: dict[tuple[str, str], float], n: int
) -> dict[str, float]:
    """Flat figures for the report: `cpu:<phase>:<kind>` and `idle:<phase>:<kind>` in ms a
    message, and `thr:<phase>:<kind>:<thread>` for each thread."""
    out: dict[str, float] = {}
    for (kind, name), cpu in spent.items():
        out[f"cpu:{phase}:{kind}"] = out.get(f"cpu:{phase}:{kind}", 0.0) + cpu * 1000 / n
        out[f"thr:{phase}:{kind}:{name}"] = out.get(f"thr:{phase}:{kind}:{name}", 0.0) + cpu * 1000 / n
    for (kind, name), cpu in idle.items():
        out[f"idle:{phase}:{kind}"] = out.get(f"idle:{phase}:{kind}", 0.0) + cpu * 1000 / n
        out[f"ithr:{phase}:{kind}:{name}"] = out.get(f"ithr:{phase}:{kind}:{name}", 0.0) + cpu * 1000 / n
    return out


class WaitSampler:
    """Samples what the workers' PostgreSQL backends are doing every `period` seconds, on a
    thread, while a load runs: running, waiting for their worker (ClientRead), or waiting for a
    lock (and on which relation: the lane rows, a conversation, the channel). Two workers that
    contend on a hot row or an advisory lock show as Lock waits here."""

    _SQL = (
        "SELECT a.state, coalesce(a.wait_event_type, 'CPU'), coalesce(a.wait_event, 'running'), "
        "(SELECT string_agg(DISTINCT l.locktype || coalesce(':' || l.relation::regclass::text, ''), ',') "
        "FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) "
        "FROM pg_stat_activity a WHERE a.datname = :d AND a.application_name LIKE 'murmur worker %'"
    )

    def __init__(self, url: str, period: float = 0.01) -> None:
        import threading

        from sqlalchemy import create_engine

        self.engine = create_engine(url.rsplit("/", 1)[0] + "/postgres")
        self.period = period
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wait-sampler", daemon=True)

    def _run(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as c:
            while not self._stop.wait(self.period):
                rows = c.execute(text(self._SQL), {"d": DATABASE}).all()
                c.commit()
                self.samples += 1
                for state, kind, event, lock in rows:
                    what = f"{state} {kind}:{event}" + (f" on {lock}" if lock else "")
                    self.counts[what] = self.counts.get(what, 0) + 1

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.engine.dispose()

    def summary(self, top: int = 5) -> tuple[float, str]:
        """(share of backend samples waiting for a lock, the commonest states with their shares)."""
        total = sum(self.counts.values()) or 1
        locked = sum(v for k, v in self.counts.items() if " Lock:" in k or "LWLock:" in k)
        common = sorted(self.counts.items(), key=lambda kv: -kv[1])[:top]
        text = "; ".join(f"{k} {v / total:.0%}" for k, v in common)
        return locked / total, f"{self.samples} samples: {text}"
