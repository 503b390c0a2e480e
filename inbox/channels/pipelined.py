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

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

_IDLE = TransactionStatus.IDLE
_compiled: dict[
    tuple[int, str, tuple[str, ...] | None], tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]
] = {}


# a statement, its values (a list: executemany) and, for an INSERT or UPDATE, the columns it sets
Later = tuple[Any, Any] | tuple[Any, Any, tuple[str, ...]]


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
    claim_sql, claim_params = _raw(conn.dialect, queries.claim)
    read_sql, read_params = _raw(conn.dialect, queries.oldest)
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
        raise DBAPIError.instance(read_sql, dict(read), exc, raw.Error) from exc
    finally:
        if begin:
            raw._autocommit = False
    return None if got is None else rows


def together(conn: Connection, statements: Sequence[Later]) -> list[list[Row]]:
    """Each statement's rows (none for one that returns nothing), the statements sent in order in
    one pipeline with one Sync: one round trip inside the transaction `conn` has begun. Each
    statement still takes its own snapshot when it starts (read committed), so one that follows
    a lock sees what the lock's previous holder committed (routing's agent lock and load read,
    `inbox.conversations.assignment`). A statement's values may be a list (an executemany), and
    a third item names the columns an INSERT or UPDATE sets. A database error is raised as
    SQLAlchemy's `DBAPIError`, as in `claim_and_read`. The statements skip SQLAlchemy's
    `before_execute` listeners, so the settings' version tokens (`inbox.store.settings_cache`)
    are not bumped: send only reads and writes to tables or columns that bump none (the
    drain's are conversations, customers and agents' last assignment)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    sent = []
    for statement, values, *columns in statements:
        sql, params = _raw(conn.dialect, statement, columns[0] if columns else None)
        bound = [params(v) for v in values] if isinstance(values, list) else params(values)
        sent.append((sql, bound, raw.cursor(row_factory=_rows)))
    if conn._has_events or conn.engine._has_events:  # statement counters and logs see each
        for sql, bound, cursor in sent:
            many = isinstance(bound, list)
            conn.dispatch.before_cursor_execute(conn, cursor, sql, bound, None, many)
    try:
        with raw.pipeline():
            for sql, bound, cursor in sent:
                if isinstance(bound, list):
                    cursor.executemany(sql, bound)
                else:
                    cursor.execute(sql, bound)
        return [cursor.fetchall() if cursor.description else [] for _sql, _bound, cursor in sent]
    except raw.Error as exc:
        values = statements[-1][1]
        raise DBAPIError.instance(sent[-1][0], values, exc, raw.Error) from exc


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
    names = [c.name for c in cursor.description or ()]  # none: a statement returning nothing
    return lambda values: Row(zip(names, values, strict=True))


def _raw(
    dialect: Any, statement: Any, columns: tuple[str, ...] | None = None
) -> tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]:
    """The statement's SQL as SQLAlchemy renders it for this dialect (with its casts), and a
    function turning the statement's named values into the driver's (the columns' own bind
    processing: our UTC datetimes, arrays), compiled once per statement."""
    key = (id(statement), dialect.name, columns)
    found = _compiled.get(key)
    if found is None:
        keys = None if columns is None else list(columns)
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        processors = dict(compiled._bind_processors)

        def params(values: Mapping[str, Any]) -> dict[str, Any]:
            out = compiled.construct_params(dict(values))
            for name, process in processors.items():
                if name in out:
                    out[name] = process(out[name])
            return out

        found = _compiled[key] = (str(compiled), params)
    return found


class Autocommit:
    """A pooled psycopg connection in autocommit mode, for statements that are each atomic on
    their own (the scaled 202's channel read and its recording INSERT): run on the driver's
    cursor, without SQLAlchemy's execution context (a third of that 202's CPU in its profile).
    A database error is raised as SQLAlchemy's (`DBAPIError`), and a connection it broke is
    dropped from the pool, as SQLAlchemy's own execution would."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.dialect = engine, engine.dialect

    def __enter__(self) -> Autocommit:
        self.pooled = self.engine.raw_connection()
        self.raw = self.pooled.driver_connection
        self.raw.autocommit = True
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            if self.raw.info.transaction_status == _IDLE:
                self.raw.autocommit = False
            else:  # broken: not given back as it is
                self.pooled.invalidate()
        finally:
            self.pooled.close()

    def first(self, statement: Any, values: Mapping[str, Any]) -> Row | None:
        """The statement's first row (attributes by column label), or None."""
        sql, params = _raw(self.dialect, statement)
        with self._errors(sql, values):
            cursor = self.raw.cursor(row_factory=_rows)
            cursor.execute(sql, params(values))
            return cursor.fetchone()

    def returned(self, statement: Any, rows: list[Mapping[str, Any]]) -> list[Any]:
        """Each row's RETURNING value (its first column) for an INSERT run over `rows` (at least
        one, all with the same keys; a statement per row, pipelined by psycopg: one round trip)."""
        sql, params = _raw(self.dialect, statement, tuple(rows[0]))  # an INSERT of these columns
        with self._errors(sql, rows[0]):
            cursor = self.raw.cursor()
            cursor.executemany(sql, [params(r) for r in rows], returning=True)
            out = []
            while True:
                out.extend(row[0] for row in cursor.fetchall())
                if not cursor.nextset():
                    return out

    def _errors(self, sql: str, values: Mapping[str, Any]) -> Any:
        return _AsSQLAlchemy(self, sql, values)


class _AsSQLAlchemy:
    def __init__(self, owner: Autocommit, sql: str, values: Mapping[str, Any]) -> None:
        self.owner, self.sql, self.values = owner, sql, values

    def __enter__(self) -> None:
        return None

    def __exit__(self, _type: Any, exc: BaseException | None, _tb: Any) -> None:
        raw = self.owner.raw
        if exc is not None and isinstance(exc, raw.Error):
            broken = raw.broken or raw.closed
            raise DBAPIError.instance(
                self.sql, dict(self.values), exc, raw.Error, connection_invalidated=bool(broken)
            ) from exc
