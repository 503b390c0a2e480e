"""The ranked list's SQLite times (`serialize.stored_iso`) are sliced from their stored text:
the slices must give byte for byte what parsing the text and writing the aware value does
(`isoformat()`, which leaves out a zero fraction), for any time SQLAlchemy stores, and any other
form of text must take the parsing way rather than be sliced wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import DateTime

from inbox.conversations.listing import ShownTime
from inbox.conversations.serialize import stored_iso

STORED = DateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())


def parsed(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat()


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)))
def test_sqlalchemys_stored_text_slices_to_the_aware_isoformat(value: datetime) -> None:
    text = STORED(value)
    assert stored_iso(text) == value.replace(tzinfo=UTC).isoformat() == parsed(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01 09:30:00.000000",  # whole seconds: no fraction in the answer
        "2026-03-01 09:30:02.000005",
        "2026-03-01 09:30:01.123456",
        "2026-03-01 09:30:00",  # SQLite's own datetime() text
        "2026-03-01T09:30:00.500000",  # other forms: parsed, not sliced
        "2026-03-01 09:30:00.5",
        "2026-03-01 09:30:00.123",
        "2026-03-01",
    ],
)
def test_other_forms_give_what_parsing_gives(text: str) -> None:
    assert stored_iso(text) == parsed(text)


def test_no_time_and_driver_datetimes() -> None:
    assert stored_iso(None) is None
    assert stored_iso(datetime(2026, 3, 1, 9, 30)) == "2026-03-01T09:30:00+00:00"  # type: ignore[arg-type]


def test_only_sqlite_reads_text() -> None:
    """On PostgreSQL psycopg's naive datetime stays (the row reader writes it)."""
    assert ShownTime().result_processor(sqlite.dialect(), None) is stored_iso
    assert (
        ShownTime()
        .dialect_impl(postgresql.psycopg.dialect())
        .result_processor(postgresql.psycopg.dialect(), None)
        is not stored_iso
    )
