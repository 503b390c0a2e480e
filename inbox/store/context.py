"""The inbox's composition: sessions, clock, publisher and settings in one object.

Every service takes an `Inbox` and opens its own unit of work with it, so views, Celery tasks,
the embedded scheduler and tests all run the same code with only the parts swapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inbox.store.db import DEFAULT_BUSY_TIMEOUT, NO_WAIT, READ_ONLY, make_engine, make_session_factory
from inbox.store.events import Event, NullPublisher, Publisher
from inbox.store.models.base import utcnow


@dataclass
class UnitOfWork:
    """A session inside one transaction, plus the events to publish once it commits."""

    session: Session
    events: list[Event] = field(default_factory=list)

    def emit(self, name: str, payload: dict[str, Any], rooms: tuple[str, ...]) -> None:
        self.events.append(Event(name, payload, rooms))


@dataclass
class Inbox:
    engine: Engine
    session_factory: sessionmaker[Session]
    secret_key: str
    publisher: Publisher = field(default_factory=NullPublisher)
    clock: Callable[[], datetime] = utcnow
    settings: dict[str, Any] = field(default_factory=dict)
    # Called inside the transaction with its events (e.g. queue outbound webhook deliveries),
    # so a change and what it owes the outside world commit or roll back together.
    event_hooks: list[Callable[[Session, list[Event], datetime], Any]] = field(default_factory=list)
    # Where attachment bytes live (an inbox.attachments.blobs.BlobStore); None stores no files.
    blobs: Any = None

    @classmethod
    def from_url(
        cls, database_url: str, secret_key: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any
    ) -> Inbox:
        engine = make_engine(database_url, busy_timeout=busy_timeout)
        return cls(
            engine=engine, session_factory=make_session_factory(engine), secret_key=secret_key, **kwargs
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def _reader(self) -> Engine:
        """The same engine and pool, its transactions marked as reads (`inbox.store.db.READ_ONLY`)."""
        return self.engine.execution_options(**{READ_ONLY: True})

    @cached_property
    def _eager_writer(self) -> Engine:
        """The same engine and pool, its write transactions refusing to wait (`inbox.store.db.NO_WAIT`)."""
        return self.engine.execution_options(**{NO_WAIT: True})

    @contextmanager
    def unit_of_work(self, wait: bool = True) -> Iterator[UnitOfWork]:
        """Work that writes. Commit on success and then publish; roll back and publish nothing on error.

        On SQLite it holds the write lock from its first statement to its end (`BEGIN IMMEDIATE`),
        so keep it to the writing: work that only reads, or reads first to decide whether there
        is anything to write (a periodic job finding nothing due), goes through `read` and opens
        a unit of work only for what it will change, checking again there.

        `wait=False` is for bookkeeping that may be skipped: on SQLite, when another writer holds
        the lock, it fails at once (OperationalError, `is_lock_timeout`) instead of waiting."""
        session = self.session_factory() if wait else self.session_factory(bind=self._eager_writer)
        uow = UnitOfWork(session)
        try:
            with session.begin():
                yield uow
                if uow.events:
                    for hook in self.event_hooks:
                        hook(session, uow.events, self.clock())
        finally:
            session.close()
        if uow.events:
            self.publisher.publish(uow.events)

    @cached_property
    def _autocommit(self) -> Engine:
        """The same engine and pool without transactions (PostgreSQL): each statement on its own."""
        return self.engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})

    @contextmanager
    def glance(self) -> Iterator[Session]:
        """A read whose statements need no common snapshot (who a request's token or session
        speaks for, checked on every request; a conversation page, as READ COMMITTED gave it;
        the ranked list, one statement). On PostgreSQL it runs without BEGIN and ROLLBACK, two
        round trips fewer than `read`; on SQLite it is `read`.

        Read version tokens before the rows they stand for (`inbox.store.settings_cache`):
        then a row read after a change committed is never kept under the token before it."""
        if self.dialect != "postgresql":
            with self.read() as session:
                yield session
            return
        session = self.session_factory(bind=self._autocommit)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Work that only reads. On SQLite a deferred transaction on a query-only connection: it reads
        one snapshot beside the writer (WAL), never waits for the write lock nor makes a writer wait,
        and any write through it fails at once ("attempt to write a readonly database") rather than
        deadlocking on an upgrade. On PostgreSQL, a plain session as before."""
        session = self.session_factory(bind=self._reader)
        try:
            yield session
        finally:
            session.close()
