"""PostgreSQL's multi-row INSERT as one statement of a fixed shape: one array parameter per
column, `unnest`ed back into rows.

Why: SQLAlchemy's insertmanyvalues sends N rows as `INSERT ... VALUES (...), (...)` with N x
columns placeholders, a new SQL text for every N. psycopg caches its parse of a statement only
under 4,096 bytes and 50 parameters (`psycopg._queries`), so each such batch was parsed afresh
by a Python regex: ~83 us per message row, about a third of the CPU of a 20-message ingest
batch on PostgreSQL. Here the text depends only on the table and the columns given, so psycopg
parses it once per process and the server plans one small statement.

The values go through the columns' own bind processors (the conversions Core applies), and a
column left out gets its scalar default as with Core; a column left out whose default is computed
in Python, or a key that is not a column, is not handled here (`plan` returns None: use Core).
"""

from __future__ import annotations

from functools import cache
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Table

__all__ = ["insert_arrays", "plan"]


def insert_arrays(conn: Any, table: Table, rows: list[dict[str, Any]], returning: bool) -> list[int] | None:
    """Insert `rows` (dicts with the same keys) in one `INSERT ... SELECT FROM unnest(...)` on
    the connection's transaction; returns the new ids in row order (with `returning`, else []),
    or None when not done: the caller uses Core.

    The rows are inserted in their order (`WITH ORDINALITY ... ORDER BY`), so a sequence gives
    them increasing ids and the returned ids, sorted, are in row order: the property SQLAlchemy's
    own `sort_by_parameter_order` relies on for a sequence-generated key."""
    found = plan(table, tuple(rows[0]), returning)
    if found is None:
        return None
    sql, keys, processors, defaults = found
    n = len(rows)
    params: list[Any] = []
    for key, processor in zip(keys, processors, strict=True):
        column = list(map(itemgetter(key), rows))
        params.append(column if processor is None else list(map(processor, column)))
    params.extend(list(repeat(d, n)) for d in defaults)
    result = conn.exec_driver_sql(sql, tuple(params))
    return sorted(result.scalars()) if returning else []


@cache
def plan(
    table: Table, keys: tuple[str, ...], returning: bool
) -> tuple[str, tuple[str, ...], tuple, tuple] | None:
    """(SQL, keys, bind processors, default values) for rows with `keys`, or None for Core."""
    from sqlalchemy.dialects.postgresql import psycopg

    dialect = psycopg.dialect()
    columns = {c.key: c for c in table.columns}
    if not all(k in columns for k in keys):
        return None
    missing = [c for c in table.columns if c.key not in keys and c.default is not None]
    if not all(c.default.is_scalar for c in missing):  # type: ignore[union-attr]
        return None
    given = [columns[k] for k in keys]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in (*given, *missing))
    arrays = ", ".join(f"%s::{c.type.compile(dialect=dialect)}[]" for c in (*given, *missing))
    aliases = ", ".join(f"c{i}" for i in range(len(given) + len(missing)))
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {aliases} FROM unnest({arrays})"
        f" WITH ORDINALITY AS u({aliases}, n) ORDER BY n"
    )
    if returning:
        sql += " RETURNING id"
    processors = tuple(_processor(c, dialect) for c in given)
    defaults = tuple(_processed(c, c.default.arg, dialect) for c in missing)  # type: ignore[union-attr]
    return sql, keys, processors, defaults


def _processor(column: Any, dialect: Any) -> Any:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _processed(column: Any, value: Any, dialect: Any) -> Any:
    processor = _processor(column, dialect)
    return processor(value) if processor is not None else value
