"""Engines and sessions. SQLite gets WAL and a busy timeout so the embedded mode can take concurrent writers,
its search index is brought up to date at every commit (`inbox.search.index`), and its WAL is
checkpointed by a background thread rather than by the committing writer (`inbox.store.wal_checkpoint`).

On SQLite a transaction says whether it writes. A writer begins `BEGIN IMMEDIATE`: it takes the
one write lock up front (waiting at most the busy timeout), so it can never fail half-way on an
upgrade, and the pipeline may take new ids as `max(id)` under that lock. A reader (a connection
with the `READ_ONLY` execution option, which `Inbox.read` uses) begins a deferred `BEGIN` on a
`query_only` connection: under WAL it reads its snapshot beside the writer, takes no lock a
writer waits for, and a write slipped into it fails at once ("attempt to write a readonly
database") instead of waiting for an upgrade that could deadlock. PostgreSQL is left as it was."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from inbox.search import index as search_index
from inbox.store import settings_cache, wal_checkpoint
from inbox.store.txn_options import NO_WAIT, READ_ONLY

__all__ = [
    "NO_WAIT",
    "READ_ONLY",
    "is_lock_timeout",
    "make_engine",
    "make_session_factory",
    "name_process",
]

# How long a SQLite writer waits for the write lock before giving up with "database is locked".
DEFAULT_BUSY_TIMEOUT = 10.0
# A PostgreSQL connection back from the pool after resting at least this long is pinged first.
PING_AFTER_IDLE = 1.0
_SQLITE_BUSY, _SQLITE_LOCKED = sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED


_ROLE = ["murmur"]


def name_process(role: str) -> None:
    """Say what this process is (`web`, `worker`, `beat`): its PostgreSQL connections then carry
    `application_name` "murmur <role> <pid>", so pg_stat_activity (and the scaled bench's CPU
    breakdown) tells whose backend is busy or waiting. Call before the first engine is made."""
    _ROLE[0] = f"murmur {role}"


def application_name() -> str:
    """The PostgreSQL application_name of this process's connections (see `name_process`); the
    pid is read when an engine is made, so a forked gunicorn worker names its own."""
    return f"{_ROLE[0]} {os.getpid()}"[:63]


def is_lock_timeout(exc: BaseException) -> bool:
    """True when SQLite gave up waiting for a lock (SQLITE_BUSY or SQLITE_LOCKED, any extended code):
    nothing was written, and the same request can be tried again once the writer ahead is done."""
    orig = exc.orig if isinstance(exc, OperationalError) else exc
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if code is None:  # an older sqlite3 module: only the message says it
        return "database is locked" in str(orig) or "database table is locked" in str(orig)
    return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


def dumps_json(value: Any) -> str:
    """JSON columns are written with orjson: about ten times faster than `json.dumps` on the rank
    components and sentiment reasons every ingested message carries. Non-string keys become
    strings, as with `json.dumps`."""
    try:
        return orjson.dumps(value).decode()  # string keys, the usual case: the option costs a third
    except TypeError:  # a non-string key (or a value orjson cannot write, which raises again below)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend behind `url`. On SQLite, a writer waits at most
    `busy_timeout` seconds for the write lock (readers never wait for it)."""
    kwargs.setdefault("json_serializer", dumps_json)
    # and read with orjson: a list of 50 conversations parses 50 rank components per request
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        busy_ms = max(0, round(busy_timeout * 1000))
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy own BEGIN so that "BEGIN IMMEDIATE" can serialize writers cleanly.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            # Checkpoints run on a background thread (inbox.store.wal_checkpoint); this is the backstop.
            cur.execute(f"PRAGMA wal_autocheckpoint={wal_checkpoint.BACKSTOP_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            reading = bool(conn.get_execution_options().get(READ_ONLY, False))
            # query_only is a property of the pooled connection: set it only when it changes.
            if conn.info.get("query_only", False) != reading:
                conn.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
                conn.info["query_only"] = reading
            if reading or not conn.get_execution_options().get(NO_WAIT, False):
                conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
                return
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")

        event.listen(engine, "commit", search_index.on_commit)
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            # At check-in the connection's transaction is over: a checkpoint woken then covers
            # everything committed, so the next writer can start the WAL over from its beginning.
            @event.listens_for(engine, "checkin")
            def _checkpoint_if_due(_dbapi_conn: Any, _record: Any) -> None:
                wal_checkpoint.note_commit(path)

        settings_cache.watch(engine)
        return engine
    ping_when_idle = url.startswith("postgresql") and "pool_pre_ping" not in kwargs
    kwargs.setdefault("pool_pre_ping", not ping_when_idle)
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {"application_name": application_name(), **kwargs.get("connect_args", {})}
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_engine(url, **kwargs)
    if ping_when_idle:
        _ping_when_idle(engine)
    settings_cache.watch(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, only for a connection that rested in the pool at least
    `PING_AFTER_IDLE` seconds. The pre-ping is a round trip to PostgreSQL at every checkout: the
    scaled mode's 202 and a one-message drain each check out once, so it was one of their three
    or fourteen statements, and CPU in the process and its backend, to guard against a server
    restart or an idle timeout that a connection in steady use does not meet. A connection that
    fails its ping is replaced, as with pre-ping; one that dies within a second of its last use
    fails its statement once and is discarded (the pool invalidates on a disconnect error)."""

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["murmur_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("murmur_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the connection failed its ping") from exc


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
