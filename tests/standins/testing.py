"""Test helpers shared by connector unit tests, service tests and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.poller import StoreResult
from connectors.types import Batch, InboundMessage


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
class DedupStore:
    """Stores by external id like the database's unique index will.

    `crash_on_call=k` commits the k-th batch and then raises, as a process would
    that died between committing messages and saving the cursor.
    """

    messages: dict[str, InboundMessage] = field(default_factory=dict)
    calls: int = 0
    crash_on_call: int | None = None
    fail_before_commit: bool = False

    def __call__(self, batch: Batch) -> StoreResult:
        self.calls += 1
        if self.crash_on_call == self.calls and self.fail_before_commit:
            raise RuntimeError("database is locked")
        stored = 0
        for m in batch.messages:
            if m.external_id not in self.messages:
                self.messages[m.external_id] = m
                stored += 1
        if self.crash_on_call == self.calls:
            raise RuntimeError("process died after commit, before the cursor was saved")
        return StoreResult(stored=stored, skipped=len(batch.messages) - stored)
