"""The inbox's composition: sessions, clock, publisher and settings in one object.

Every service takes an `Inbox` and opens its own unit of work with it, so views, Celery tasks,
the embedded scheduler and tests all run the same code with only the parts swapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inbox.store.db import make_engine, make_session_factory
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
    def from_url(cls, database_url: str, secret_key: str, **kwargs: Any) -> Inbox:
        engine = make_engine(database_url)
        return cls(
            engine=engine, session_factory=make_session_factory(engine), secret_key=secret_key, **kwargs
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Commit on success and then publish; roll back and publish nothing on error."""
        session = self.session_factory()
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

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
        finally:
            session.close()
