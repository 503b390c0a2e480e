"""What the database can hold, stated once, so bad input is refused the same way on SQLite and PostgreSQL.

SQLite stores a 300-character handle, a NUL byte or a 2**63 follower count; PostgreSQL refuses
each (or its driver does), so the same request succeeded on one and failed with a 500 on the other.
Every check here is made before anything reaches the database, from the models' own column types,
so a new column's limit is enforced without a second list to keep in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String

# Mapped[int] is INTEGER: 32 bits on PostgreSQL. Ids and counts are bounded by it on both databases.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# Times in the years 1970 to 2099 (as written, in any offset): every real message and order, and
# nothing that overflows a conversion to UTC (9999-12-31T23:59:59-14:00 is past datetime.max in UTC).
FIRST_YEAR, LAST_YEAR = 1970, 2099
TIME_PATTERN = r"^(19[7-9][0-9]|20[0-9][0-9])-"  # the same range, for the OpenAPI document


def column_length(column: Any) -> int | None:
    """The declared length of a String column (a model attribute or a Column); None when unbounded."""
    col = getattr(column, "property", None)
    col = col.columns[0] if col is not None else column
    return col.type.length if isinstance(col.type, String) else None


def int_range(column: Any) -> tuple[int, int]:
    """The values an integer column holds on every supported database."""
    col = getattr(column, "property", None)
    col = col.columns[0] if col is not None else column
    if isinstance(col.type, SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(col.type, BigInteger):
        return -(2**63), INT64_MAX
    if isinstance(col.type, Integer):
        return -(2**31), INT32_MAX
    raise TypeError(f"{col} is not an integer column")


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text on both databases, or None.

    PostgreSQL refuses NUL in text; a lone surrogate (JSON's "\\ud800") is not UTF-8 at all."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain lone surrogates (invalid Unicode)"
    return None


def string_problem(value: str, max_length: int | None) -> str | None:
    """Why a string does not fit a column of `max_length` characters (None: unbounded), or None."""
    problem = text_problem(value)
    if problem is None and max_length is not None and len(value) > max_length:
        problem = f"at most {max_length} characters"
    return problem


def time_problem(value: datetime) -> str | None:
    """Why a time is outside what Murmur stores (the years 1970 to 2099), or None."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return f"must be in the years {FIRST_YEAR} to {LAST_YEAR}"
    try:
        value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:  # pragma: no cover - not within those years
        return "out of range"
    return None
