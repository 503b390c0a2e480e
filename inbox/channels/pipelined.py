"""A drain's claim and first read sent to PostgreSQL together, on the raw psycopg connection.

A lone webhook message's drain opens with three round trips before ingest starts: psycopg's
BEGIN (sent on its own before the first statement of a transaction), the lane's claim, and the
read of its oldest rows. On a busy machine each round trip waits for a core twice (the
backend's and ours). psycopg's pipeline mode sends all three and one Sync in one write and reads
their results back together: one round trip.

The two statements stay two statements, so each keeps its own snapshot (read committed takes
one per statement): the read starts after the claim has finished, also when the claim first
waited for a finishing holder's row lock, and so it sees every row that holder deleted as gone.
(A single statement with the claim in a CTE would read with the snapshot from before that wait
and could ingest those rows again: see docs/scaled-ingest.md.) SQLAlchemy cannot pipeline them:
it reads each result as soon as it executes a statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

_IDLE = TransactionStatus.IDLE
_compiled: dict[tuple[int, str], tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]] = {}


class Row(dict):
    """A result row as the drain reads it: attributes by column label, and `_mapping` (what
    `settings_cache.remember` reads), like SQLAlchemy's `Row`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> Mapping[str, Any]:
        return self


def claim_and_read(
    conn: Connection, queries: Any, claim: Mapping[str, Any], read: Mapping[str, Any]
) -> list[Row] | None:
    """Run `queries.claim` and then `queries.oldest` in the transaction `conn` is about to begin,
    in one round trip (with psycopg's BEGIN). None when the claim took nothing (another holder
    has the lane; what the read found is ignored), else the rows read. Must be the transaction's
    first statement. A database error is raised as SQLAlchemy's `DBAPIError`, as if SQLAlchemy
    had run the statements (`retry_conflicts` and the unit of work's rollback see it so)."""
    claim_sql, claim_params = _raw(conn, queries.claim)
    read_sql, read_params = _raw(conn, queries.oldest)
    raw = conn.connection.driver_connection
    assert raw is not None
    sent = [(claim_sql, claim_params(claim)), (read_sql, read_params(read))]
    claimed, oldest = raw.cursor(), raw.cursor(row_factory=_rows)
    if conn._has_events or conn.engine._has_events:  # statement counters and logs see both
        for (sql, values), cursor in zip(sent, (claimed, oldest), strict=True):
            conn.dispatch.before_cursor_execute(conn, cursor, sql, values, None, False)
    # psycopg would send a transaction's BEGIN in a round trip of its own, also in a pipeline
    # (it syncs after BEGIN to learn the transaction's status). Sent by us in autocommit mode,
    # BEGIN rides in the pipeline; the flag is put back once the block is over (psycopg's
    # setter refuses inside a transaction, so its attribute is set), and the transaction goes
    # on as psycopg's own: SQLAlchemy's next statements and its COMMIT or ROLLBACK run in it.
    begin = _plain_begin(raw)
    try:
        if begin:
            raw.autocommit = True
        with raw.pipeline():
            if begin:
                claimed.execute("BEGIN")
            claimed.execute(*sent[0])
            oldest.execute(*sent[1])
        # leaving the block sent (BEGIN,) both statements and one Sync, and read every result
        got = claimed.fetchone()
        rows = oldest.fetchall()
    except raw.Error as exc:
        raise DBAPIError.instance(read_sql, dict(read), exc, type(exc)) from exc
    finally:
        if begin:
            raw._autocommit = False
    return None if got is None else rows


def _plain_begin(raw: Any) -> bool:
    """Whether the transaction is still to begin, and would begin with a bare BEGIN (no isolation
    level, read-only or deferrable option to repeat)."""
    return (
        not raw.autocommit
        and raw.info.transaction_status == _IDLE
        and raw.isolation_level is None
        and raw.read_only is None
        and raw.deferrable is None
    )


def _rows(cursor: Any) -> Callable[[Any], Row]:
    names = [c.name for c in cursor.description]
    return lambda values: Row(zip(names, values, strict=True))


def _raw(conn: Connection, statement: Any) -> tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]:
    """The statement's SQL as SQLAlchemy renders it for this dialect (with its casts), and a
    function turning the statement's named values into the driver's (the columns' own bind
    processing: our UTC datetimes, arrays), compiled once per statement."""
    key = (id(statement), conn.dialect.name)
    found = _compiled.get(key)
    if found is None:
        compiled = statement.compile(dialect=conn.dialect)
        processors = dict(compiled._bind_processors)

        def params(values: Mapping[str, Any]) -> dict[str, Any]:
            out = compiled.construct_params(dict(values))
            for name, process in processors.items():
                if name in out:
                    out[name] = process(out[name])
            return out

        found = _compiled[key] = (str(compiled), params)
    return found
