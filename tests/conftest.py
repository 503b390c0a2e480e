"""Shared fixtures: one migrated schema per backend per session, emptied between tests.

The service suite runs on SQLite, and again on PostgreSQL + Redis when MURMUR_TEST_SERVICES=1
(`make test` sets it and starts both services).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, make_url, text
from werkzeug.routing.rules import Rule

from inbox.store import security
from inbox.store.db import make_engine
from inbox.store.models import Base
from inbox.store.schema import upgrade
from tests.processes import PG_DEFAULT, REDIS_DEFAULTS, worker_environment
from tests.standins.testing import MISSING

# Under pytest-xdist each worker gets its own databases and Redis dbs (see tests/processes.py); set
# here, before any test module reads the variables or starts a `murmur` process that inherits them.
os.environ.update(worker_environment())
SERVICES = os.environ.get("MURMUR_TEST_SERVICES") == "1"
PG_URL = os.environ.get("MURMUR_TEST_PG_URL", PG_DEFAULT)
REDIS_URL = os.environ.get("MURMUR_TEST_REDIS_URL", REDIS_DEFAULTS["MURMUR_TEST_REDIS_URL"])
BACKENDS = ["sqlite", "postgresql"] if SERVICES else ["sqlite"]

# Property tests are derandomised where a red run must be reproducible (`make test` selects
# HYPOTHESIS_PROFILE=ci): the same examples every run, and the failing example's blob printed.
# "dev" (the default) keeps exploring new examples on every local run.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
hypothesis_settings.register_profile("dev", print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header(config: pytest.Config) -> str:
    """Say which Hypothesis profile and seed policy the run uses (reproducing a CI failure)."""
    return f"hypothesis profile: {HYPOTHESIS_PROFILE}; missing services fail: {SERVICES}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under make test, a skip for a missing installed service or binary is a failure."""
    outcome = yield
    report = outcome.get_result()
    if SERVICES and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if MISSING in reason:
            report.outcome = "failed"
            report.longrepr = f"{reason}: under make test a missing service is a failure, not a skip"


# Under pytest-xdist (`make test`: --dist loadfile --no-loadscope-reorder) whole files are handed out
# in collection order to whichever worker is free. A long file handed out last leaves the other
# worker idle until it ends, so the longest files go first (over 35 s of setup, call and teardown in
# the first two-worker run, docs/test-suite.md); every other file keeps its place. A plain run
# keeps pytest's order.
LONGEST_FILES: tuple[str, ...] = (
    "tests/service/test_schemathesis.py",
    "tests/service/test_search_short_terms.py",
    "tests/e2e/test_shell_journeys.py",
    "tests/service/test_scaled.py",
    "tests/service/test_bench_scale_smoke.py",
    "tests/service/test_orders_import.py",
    "tests/e2e/test_i18n_journeys.py",
    "tests/service/test_fault.py",
    "tests/service/test_bench_smoke.py",
    "tests/service/test_search.py",
    "tests/e2e/test_listening_journey.py",
    "tests/service/test_listening.py",
    "tests/service/test_search_time_order.py",
    "tests/service/test_serve.py",
    "tests/e2e/test_inbox_controls.py",
)


def longest_first(nodeid: str) -> int:
    """Sort key of a test: its file's place in LONGEST_FILES, after them the rest (a stable sort)."""
    path = nodeid.split("::", 1)[0]
    return LONGEST_FILES.index(path) if path in LONGEST_FILES else len(LONGEST_FILES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the longest files first (each worker collects, and sorts, the same way)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: longest_first(item.nodeid))


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now_value = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now_value

    def advance(self, **kwargs: float) -> datetime:
        self.now_value += timedelta(**kwargs)
        return self.now_value


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)


@lru_cache(maxsize=4)
def _pg_sequences(url: str) -> tuple[str, ...]:
    with _engine(url).connect() as conn:
        return tuple(
            conn.exec_driver_sql(
                "SELECT c.oid::regclass::text FROM pg_class c"
                " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
            ).scalars()
        )


# PostgreSQL: a table whose statistics count rows (a test ran ANALYZE, or autovacuum did) or whose
# file grew past a few pages (a bulk test) is truncated, so the next test's planner sees a fresh
# table as before; the others are emptied with DELETE. TRUNCATE of every table made new files for
# 42 tables and their indexes before each test: 0.7-1.2 s on a busy machine, against ~20 ms.
_PG_STALE = (
    "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
    " AND c.relkind = 'r' AND c.relname = ANY(%(names)s)"
    " AND (c.reltuples > 0 OR pg_relation_size(c.oid) > 65536)"
)


def empty_tables(url: str) -> None:
    """Every table empty and every id sequence back at 1, as a fresh schema would be."""
    engine = _engine(url)
    tables = list(reversed(Base.metadata.sorted_tables))  # children before their parents
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            stale = list(conn.exec_driver_sql(_PG_STALE, {"names": [t.name for t in tables]}).scalars())
            if stale:
                conn.exec_driver_sql("TRUNCATE " + ", ".join(stale) + " CASCADE")
            # one round trip: the rollup changes that deleting appends are deleted last (below)
            deletes = [f"DELETE FROM {t.name}" for t in tables] + [f"DELETE FROM {t}" for t in _APPENDED]
            seqs = _pg_sequences(url)
            setvals = "SELECT " + ", ".join(f"setval('{q}', 1, false)" for q in seqs)
            conn.exec_driver_sql("; ".join([*deletes, setvals]))
        else:
            for table in tables:
                conn.execute(table.delete())
            for name in _APPENDED:
                conn.execute(text(f"DELETE FROM {name}"))
            # a test's ANALYZE left statistics the next test's planner would read (a fresh schema
            # has none): files run in another order turned plan tests red
            if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
                conn.exec_driver_sql("DELETE FROM sqlite_stat1")


# Deleting messages, labels and conversations appends rollup changes (the triggers of migrations
# 0009_rollups and 0012_rollups), on both databases: these are emptied after every other table.
_APPENDED = ("rollup_pending", "rollup_service_pending")


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'murmur.db'}"
    upgrade(url)
    return url


def create_database_if_missing(url: str) -> None:
    """CREATE DATABASE for `url` when the server does not have it yet (an xdist worker's own
    `test_gw1`; CI creates none of them beforehand). Two workers never ask for the same name."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is None
            ):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    create_database_if_missing(PG_URL)
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id with its cheapest parameters for hashes made and checked in the test process.

    The production parameters (64 MiB, 3 passes, 4 lanes) cost ~0.17 s of CPU per hash and again
    per login: the World factory hashes for every agent a test makes, over a thousand times a run.
    The algorithm, the salts and the verify path stay argon2's own (a wrong password still fails);
    a hash carries its parameters, so `murmur serve` subprocesses verify these hashes too."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


_builders: dict[tuple, Any] = {}


def _cached_builder(original: Callable[..., Any]) -> Callable[..., Any]:
    """Werkzeug's `Rule._compile_builder`, remembered across apps.

    Each test builds its own app, and 90% of `create_app` (~60 ms of CPU, over 0.2 s on a busy
    machine, for ~2,000 apps a run) is werkzeug compiling the same ~260 URL builders again with
    `compile()`. A builder is a pure function of the rule's parsed parts and defaults: it has no
    globals and reaches its rule (and the rule's converters) only through the `self` it is bound to
    afterwards, so the one compiled for an equal rule is the same function."""

    def compile_builder(rule: Any, append_unknown: bool = True) -> Any:
        key = (
            rule.rule,
            tuple(rule._trace),
            tuple(sorted((k, repr(v)) for k, v in (rule.defaults or {}).items())),
            tuple(sorted((k, repr(c)) for k, c in rule._converters.items() if k in (rule.defaults or {}))),
            append_unknown,
        )
        if key not in _builders:
            _builders[key] = original(rule, append_unknown)
        return _builders[key]

    compile_builder.original = original  # type: ignore[attr-defined]
    return compile_builder


@pytest.fixture(scope="session", autouse=True)
def cached_url_builders() -> Iterator[None]:
    """See `_cached_builder`: the apps and their routing stay werkzeug's own, built once."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Rule, "_compile_builder", _cached_builder(Rule._compile_builder))
        yield


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    url = request.getfixturevalue(f"{backend}_url")
    empty_tables(url)
    yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()
