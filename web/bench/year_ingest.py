"""`python -m web.bench.year_ingest <url> [messages]`: the one-message ingest figure of
`make bench-scale` (`web.bench.scale_ingest.ingest_figures`) alone, on a copy of the year you made.

The full bench rebuilds the year when its key changes and takes many minutes on a loaded
machine; this re-runs just the year-against-empty ingest comparison in a minute, on the copy at
`url` (which it writes to: never point it at the kept year), with the same workload on both
sides. Prints the figure and, from its note, the CPU time of the ingesting thread per message on
each side (less at the mercy of the machine's load than the wall clock the figure uses).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from web.bench.scale import _app
from web.bench.scale_ingest import ingest_figures
from web.bench.year import Shape


def empty_name() -> str:
    """The PostgreSQL side's empty database, named for this run: two runs at once (engineers
    sharing a server) each create, fill and drop their own instead of dropping the other's
    mid-measure. `ingest_figures` drops it when the run ends."""
    return f"year_ingest_empty_{os.getpid()}_{secrets.token_hex(4)}"


def main(url: str, n: int = 40) -> None:
    shape = Shape()
    with tempfile.TemporaryDirectory(prefix="murmur-year-ingest-") as tmp:
        workdir = Path(tmp)
        app = _app(url, workdir)
        inbox = app.extensions["murmur.inbox"]
        cpu = time.process_time()
        try:
            figures = ingest_figures(app, inbox, workdir, "SQLite" if inbox.dialect == "sqlite" else "PostgreSQL",
                                      n, shape, empty_name())  # fmt: skip
        finally:
            inbox.engine.dispose()
        cpu = time.process_time() - cpu
    for f in figures:
        ratio = f.value / f.baseline if f.baseline else float("nan")
        print(f"{f.name}: {f.value:.1f} msg/s, empty database {f.baseline:.1f} msg/s, {ratio:.2f}x "
              f"(target >= 0.90x); {f.note}; process CPU {cpu:.1f} s in all")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
