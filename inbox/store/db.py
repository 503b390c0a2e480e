"""Engines and sessions. SQLite gets WAL and a busy timeout so the embedded mode can take concurrent writers,
its search index is brought up to date at every commit (`inbox.search.index`), and its WAL is
checkpointed by a background thread rather than by the committing writer (`inbox.store.wal_checkpoint`)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from inbox.search import index as search_index
from inbox.store import wal_checkpoint


def dumps_json(value: Any) -> str:
    """JSON columns are written with orjson: about ten times faster than `json.dumps` on the rank
    components and sentiment reasons every ingested message carries. Non-string keys become
    strings, as with `json.dumps`."""
    try:
        return orjson.dumps(value).decode()  # string keys, the usual case: the option costs a third
    except TypeError:  # a non-string key (or a value orjson cannot write, which raises again below)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for the backend behind `url`."""
    kwargs.setdefault("json_serializer", dumps_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy own BEGIN so that "BEGIN IMMEDIATE" can serialize writers cleanly.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # Checkpoints run on a background thread (inbox.store.wal_checkpoint); this is the backstop.
            cur.execute(f"PRAGMA wal_autocheckpoint={wal_checkpoint.BACKSTOP_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        event.listen(engine, "commit", search_index.on_commit)
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            # At check-in the connection's transaction is over: a checkpoint woken then covers
            # everything committed, so the next writer can start the WAL over from its beginning.
            @event.listens_for(engine, "checkin")
            def _checkpoint_if_due(_dbapi_conn: Any, _record: Any) -> None:
                wal_checkpoint.note_commit(path)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
