"""Settings kept between transactions, each process's copy checked against a version token.

Every ingest batch (a scaled worker's drain of one webhook's lane is one) used to read the
enabled rules, the SLA policies, the agents of a team with their teams, the team's routing
strategy and the webhook subscriptions: fixed costs of about half a dozen round trips that a
one-message batch paid in full. They change a few times a day. So:

* **Writes bump.** Every engine made by `inbox.store.db.make_engine` is watched: an INSERT,
  UPDATE or DELETE on a watched table (`WATCHED`) first sets its concern's row of
  `settings_versions` to a new random token, on the same connection and so in the same
  transaction as the change (rolled back with it). This sits below every service (ORM flushes,
  Core statements, bulk updates), so no write path can forget it. An UPDATE of the agents that
  sets only their live columns (presence, last assignment), which the cache does not hold,
  bumps nothing: the pipeline writes those in every routing batch.
* **Reads check.** `cached(session, concern, variant, load)` reads the tokens once per
  transaction (one statement, all concerns) and returns this process's copy when it was loaded
  under the same token, else calls `load` and keeps the result. A change committed by any
  process (a web process's admin request, a worker, a CLI command) is seen by the next
  transaction that starts after its commit, in every process.
* **No token, no cache.** A concern without a row (a database emptied by a test) is loaded
  every time until its first change; migration 0011_scaled seeds the rows.

Cached values are shared by threads and transactions: treat them as read-only.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, Delete, Engine, Insert, Update, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from inbox.store.models.versions import SettingsVersion
from inbox.store.txn_options import READ_ONLY

T = TypeVar("T")

RULES, SLA, AGENTS, SUBSCRIPTIONS, TOKENS = "rules", "sla", "agents", "subscriptions", "tokens"
CALIBRATION = "calibration"  # each team's active sentiment calibration (migration 0013_cpumsg)
CONCERNS = (RULES, SLA, AGENTS, SUBSCRIPTIONS, TOKENS, CALIBRATION)
# table -> the concern whose cached copies it feeds
WATCHED = {
    "rules": RULES,
    "canned_responses": RULES,  # a rule's canned reply is kept with its text
    "sla_policies": SLA,
    "agents": AGENTS,
    "agent_teams": AGENTS,
    "teams": AGENTS,
    "webhook_subscriptions": SUBSCRIPTIONS,
    "api_tokens": TOKENS,  # who a bearer token speaks for (inbox.admin.principals)
    "sentiment_calibrations": CALIBRATION,  # read by every ingest batch of a team
}
# Columns of `agents` read live by every routing batch, never cached: setting only these bumps nothing.
LIVE_AGENT_COLUMNS = frozenset({"presence", "presence_changed_at", "last_assigned_at"})
# Per table, the columns whose UPDATE alone bumps nothing: bookkeeping no cached copy holds (a
# token's last use is written once a minute by the requests that present it).
LIVE_COLUMNS = {"agents": LIVE_AGENT_COLUMNS, "api_tokens": frozenset({"last_used_at"})}

_TABLE = SettingsVersion.__table__
_TOKENS = select(_TABLE.c.name, _TABLE.c.token)
_MEMO = "murmur.settings_tokens"
_lock = threading.Lock()
# (database, concern, variant) -> (token, value); one entry per key, replaced when the token moves
_kept: dict[tuple[str, str, Hashable], tuple[str, Any]] = {}
# databases whose caching is switched off (MURMUR_SETTINGS_CACHE=0, for the bench's comparison)
_off: set[str] = set()


def cached(session: Session, concern: str, variant: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s result as of this transaction: this process's copy when `concern`'s token has
    not moved since it was loaded, else a fresh load (kept for the next transaction). Within one
    transaction a concern is loaded at most once, token or not (until a write in it bumps).

    A SQLite session that has not begun is not begun for the check: its first statement would
    be `BEGIN IMMEDIATE`, the write lock, for what is a read. The token is then read on a read
    connection of its own, and only a miss touches the session (`load`)."""
    if not session.in_transaction() and _begins_writing(session):
        return _cached_outside(session, concern, variant, load)
    conn = session.connection()
    memo = _memo(conn)
    key = (concern, variant)
    if key in memo.values:
        return memo.values[key]
    db = _database(conn.engine)
    token = None if db in _off else memo.tokens.get(concern)
    hit = _kept.get((db, concern, variant)) if token is not None else None
    if hit is not None and hit[0] == token:
        value = hit[1]
    else:
        value = load()
        if token is not None:
            with _lock:
                _kept[(db, concern, variant)] = (token, value)
    memo.values[key] = value
    return value


def _begins_writing(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite" and not bind.get_execution_options().get(READ_ONLY, False)


def _cached_outside(session: Session, concern: str, variant: Hashable, load: Callable[[], T]) -> T:
    """`cached` for a SQLite session outside a transaction: the token read beside it, read only."""
    engine = session.get_bind()
    db = _database(engine)
    token = None
    if db not in _off:
        with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            token = conn.execute(select(_TABLE.c.token).where(_TABLE.c.name == concern)).scalar()
    hit = _kept.get((db, concern, variant)) if token is not None else None
    if hit is not None and hit[0] == token:
        return hit[1]
    value = load()  # the token was read first: a change committed since is seen by the next check
    if token is not None:
        with _lock:
            _kept[(db, concern, variant)] = (token, value)
    return value


class _Memo:
    """One transaction's tokens and the values it has used."""

    __slots__ = ("txn", "tokens", "values")

    def __init__(self, txn: Any, found: dict[str, str]) -> None:
        self.txn = txn
        self.tokens = found
        self.values: dict[tuple[str, Hashable], Any] = {}


def _memo(conn: Connection) -> _Memo:
    txn = conn.get_transaction()
    memo = conn.info.get(_MEMO)
    if memo is None or memo.txn is not txn:
        memo = conn.info[_MEMO] = _Memo(txn, dict(conn.execute(_TOKENS).all()))
    return memo


def token_columns() -> list[Any]:
    """Every concern's token as a labelled scalar subquery, to ride on a statement a batch runs
    anyway (the channel account's read): one round trip fewer per batch. See `remember`."""
    return [
        select(_TABLE.c.token).where(_TABLE.c.name == c).scalar_subquery().label(f"settings_token_{c}")
        for c in CONCERNS
    ]


def remember(conn: Connection, row: Any) -> None:
    """Take this transaction's tokens from `row`, selected with `token_columns()`, unless the
    transaction has read them already."""
    txn = conn.get_transaction()
    memo = conn.info.get(_MEMO)
    if memo is not None and memo.txn is txn:
        return
    values = row._mapping
    found = {c: values[f"settings_token_{c}"] for c in CONCERNS if values[f"settings_token_{c}"] is not None}
    conn.info[_MEMO] = _Memo(txn, found)


def tokens(conn: Connection) -> dict[str, str]:
    """Every concern's token, read once per transaction of `conn` (a bump in this transaction
    updates them, so a load after a change in the same transaction sees the change)."""
    return dict(_memo(conn).tokens)


def bump(conn: Connection, concern: str) -> str:
    """Give `concern` a new token in `conn`'s transaction; returns it."""
    token = uuid.uuid4().hex
    dialect = conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(_TABLE).values(name=concern, token=token)
    conn.execute(stmt.on_conflict_do_update(index_elements=[_TABLE.c.name], set_={"token": token}))
    memo = conn.info.get(_MEMO)
    if memo is not None and memo.txn is conn.get_transaction():
        memo.tokens[concern] = token
        for key in [k for k in memo.values if k[0] == concern]:
            del memo.values[key]
    return token


def seed(conn: Connection) -> None:
    """A token for every concern (a new schema: from then on the settings are cached)."""
    for concern in CONCERNS:
        bump(conn, concern)


def watch(engine: Engine) -> None:
    """Bump a concern's token before any write to its tables through `engine` (see above)."""
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "rollback_savepoint", _forget_memo)
    event.listen(engine, "rollback", _forget_memo_on_end)
    event.listen(engine, "commit", _forget_memo_on_end)


def switch_off(engine: Engine) -> None:
    """Load every time on this engine's database (the bench's uncached side)."""
    _off.add(_database(engine))


def switch_on(engine: Engine) -> None:
    _off.discard(_database(engine))


def forget() -> None:
    """Drop this process's copies (tests that compare a cold load with a warm one)."""
    with _lock:
        _kept.clear()


def _database(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _before_execute(conn: Connection, clause: Any, multiparams: Any, params: Any, _options: Any) -> None:
    if not isinstance(clause, (Insert, Update, Delete)):
        return
    concern = WATCHED.get(getattr(clause.table, "name", ""))
    if concern is None:
        return
    live = LIVE_COLUMNS.get(clause.table.name)
    if live is not None and isinstance(clause, Update) and _only_live(clause, multiparams, params, live):
        return
    bump(conn, concern)


def _only_live(clause: Update, multiparams: Any, params: Any, live: frozenset[str]) -> bool:
    """Whether an UPDATE sets nothing but the `live` columns (the keys of its
    `.values()` and of its parameters; primary-key bind names and `_`-prefixed keys aside)."""
    keys = {getattr(k, "key", k) for k in (clause._values or {})}
    for p in _param_dicts(multiparams, params):
        keys.update(p)
    columns = {k for k in keys if isinstance(k, str) and k in clause.table.c and k != "id"}
    return bool(columns) and columns <= live


def _param_dicts(multiparams: Any, params: Any) -> list[dict]:
    out = [params] if isinstance(params, dict) else []
    for p in multiparams or ():
        if isinstance(p, dict):
            out.append(p)
        elif isinstance(p, (list, tuple)):
            out.extend(x for x in p if isinstance(x, dict))
    return out


def _forget_memo(conn: Connection, *_args: Any) -> None:
    conn.info.pop(_MEMO, None)


def _forget_memo_on_end(conn: Connection) -> None:
    conn.info.pop(_MEMO, None)
