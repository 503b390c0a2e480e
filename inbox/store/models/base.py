"""Declarative base and the column types every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=4096)
def _sqlite_text(value: datetime) -> str:
    """The stored text of an aware datetime. Cached: a batch writes the same few instants (now,
    each message's time) into many columns. Equal instants in other zones hash alike and give
    the same UTC text, so the cache cannot mix them up."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL agree on time.

    On SQLite the text form is written and read in one C call each (`isoformat` /
    `fromisoformat`), in exactly the format SQLAlchemy's SQLite DATETIME uses
    ("YYYY-MM-DD HH:MM:SS.ffffff"): the generic chain (convert, then format field by field)
    was a third of the cost of inserting a conversation.
    """

    impl = DateTime
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Murmur stores aware UTC datetimes only")
            return _sqlite_text(value)

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            if self.impl_instance.result_processor(dialect, coltype) is not None:
                return super().result_processor(dialect, coltype)

            # The driver hands over datetimes (psycopg): one call per value instead of the
            # decorator's generic chain of two (a 50-row list reads 650 of them).
            def aware(value: datetime | None) -> datetime | None:
                return value.replace(tzinfo=UTC) if value is not None else None

            return aware

        def process(value: str | datetime | None) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
            return value.replace(tzinfo=UTC)

        return process

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Murmur stores aware UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class NaiveUTC(TypeDecorator[datetime]):
    """A stored UTC time read as a naive datetime, for a reader that only shows it: the ranked
    list's JSON writes `value.isoformat() + "+00:00"`, byte for byte the aware value's
    `isoformat()`, without making the aware value first (`replace(tzinfo=UTC)` cost as much as
    the formatting: 550 values a 50-row page, issue 22). Only for columns read, never bound."""

    impl = DateTime
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        if dialect.name == "sqlite":

            def process(value: str | datetime | None) -> datetime | None:
                return datetime.fromisoformat(value) if isinstance(value, str) else value

            return process
        return self.impl_instance.result_processor(dialect, coltype)  # psycopg: None, its own


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict: JSON(),
        list: JSON(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }
