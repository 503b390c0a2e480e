"""Test helpers shared by connector unit tests, service tests and the benchmark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from connectors.poller import StoreResult
from connectors.types import Batch, InboundMessage

# A skip whose reason starts with this marks a service or binary that `make test` installs
# (Dovecot, moto's server, the regex package): tests/conftest.py turns such a skip into a
# failure under make test (MURMUR_TEST_SERVICES=1), so a broken install cannot pass as green.
MISSING = "not installed:"


def needs(what: str) -> str:
    """The skip reason for a test that cannot run without `what` (which `make test` installs)."""
    return f"{MISSING} {what} (make test installs it)"


@dataclass
class FakeClock:
    """A controllable clock: `sleep` advances time instantly and is recorded."""

    now: float = 1_772_619_330.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingStore:
    """Keeps every row it is handed, duplicates included, so a double is seen.

    `rows` is everything the poller delivered, in order; nothing is removed. The
    database's unique index on (channel account, external id) is what makes a
    re-delivered page harmless in production, so `stored`/`skipped` are counted as
    that index would count them, and `messages` is the table it would leave. A
    test asserts on `rows` (or `doubled()`) to prove the poller re-delivered only
    what its crash contract allows, and on `messages` for what a user would see.

    `crash_on_call=k` commits the k-th batch and then raises, as a process would
    that died between committing messages and saving the cursor.
    """

    rows: list[InboundMessage] = field(default_factory=list)
    calls: int = 0
    crash_on_call: int | None = None
    fail_before_commit: bool = False
    last_batch: tuple[str, ...] = ()  # external ids of the batch handed in most recently

    @property
    def messages(self) -> dict[str, InboundMessage]:
        """The table the unique index leaves: the first row per external id."""
        table: dict[str, InboundMessage] = {}
        for m in self.rows:
            table.setdefault(m.external_id, m)
        return table

    def doubled(self) -> list[str]:
        """External ids delivered more than once, in first-delivery order."""
        counts = Counter(m.external_id for m in self.rows)
        return [i for i in dict.fromkeys(m.external_id for m in self.rows) if counts[i] > 1]

    def __call__(self, batch: Batch) -> StoreResult:
        self.calls += 1
        self.last_batch = tuple(m.external_id for m in batch.messages)
        if self.crash_on_call == self.calls and self.fail_before_commit:
            raise RuntimeError("database is locked")
        known = {m.external_id for m in self.rows}
        stored = 0
        for m in batch.messages:
            if m.external_id not in known:
                known.add(m.external_id)
                stored += 1
            self.rows.append(m)
        if self.crash_on_call == self.calls:
            raise RuntimeError("process died after commit, before the cursor was saved")
        return StoreResult(stored=stored, skipped=len(batch.messages) - stored)
