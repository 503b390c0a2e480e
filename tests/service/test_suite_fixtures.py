"""The suite's own speed-ups change nothing the tests observe.

`tests/conftest.py` remembers werkzeug's compiled URL builders across apps and hashes passwords
with argon2's cheapest parameters; both must be invisible to the code under test. Under pytest-xdist
no two workers may share a database or a Redis db.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import FloatConverter, NumberConverter, PathConverter

from inbox.store import security
from inbox.store.models import Base
from tests.conftest import (
    LONGEST_FILES,
    PG_URL,
    SERVICES,
    _cached_builder,
    create_database_if_missing,
    empty_tables,
    longest_first,
)
from tests.processes import DATABASE_DEFAULTS, PG_DEFAULT, REDIS_DEFAULTS, worker_environment, worker_index
from tests.service.conftest import message
from web.app import create_app
from web.config import Config


def _value(converter: Any) -> Any:
    """A value each kind of URL converter accepts."""
    if isinstance(converter, FloatConverter):
        return 1.5
    if isinstance(converter, NumberConverter):
        return 7
    return "x/y z" if isinstance(converter, PathConverter) else "a b/ü"


def test_every_route_builds_the_same_url_with_the_remembered_builders(tmp_path: Any) -> None:
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'm.db'}", secret_key="k", testing=True, scheduler=False
    )
    first, app = create_app(config), create_app(config)  # the second app's builders are remembered
    original = Rule.__dict__["_compile_builder"].original  # installed by the conftest
    checked = 0
    for rule in app.url_map.iter_rules():
        values = {a: _value(rule._converters[a]) for a in rule.arguments}
        for append_unknown, extra in ((False, {}), (True, {}), (True, {"q": "é&x", "n": 2})):
            reference = original(rule, append_unknown).__get__(rule, None)
            built = rule._build_unknown if append_unknown else rule._build
            assert built(**values, **extra) == reference(**values, **extra), rule.rule
            checked += 1
    assert checked > 300
    first.extensions["murmur.inbox"].engine.dispose()
    app.extensions["murmur.inbox"].engine.dispose()
    # an equal rule gets the same compiled builder; another rule or mode does not
    compile_builder = _cached_builder(lambda rule, append_unknown: object())
    ra, rb, rc = (
        next(Map([Rule(p, endpoint="e")]).iter_rules()) for p in ("/a/<int:x>", "/a/<int:x>", "/b/<int:x>")
    )
    assert compile_builder(ra, True) is compile_builder(rb, True)
    assert compile_builder(ra, True) is not compile_builder(rc, True)
    assert compile_builder(ra, True) is not compile_builder(ra, False)


def test_cheap_password_hashes_are_still_argon2_and_still_checked() -> None:
    stored = security.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "correct horse battery")
    assert not security.verify_password(stored, "correct horse batterY")


def test_empty_tables_leaves_every_table_empty_and_ids_starting_at_one(
    database_url, world, post_webhook
) -> None:  # type: ignore[no-untyped-def]
    """What every test starts from: a message ingested (its rollup changes appended by the
    triggers), then emptied, is a fresh schema again on both databases."""
    channel_id, secret = world.webhook_channel()
    assert post_webhook(channel_id, secret, message("e1")).status_code == 200
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM rollup_pending")).scalar_one() > 0
        empty_tables(database_url)
        with engine.connect() as c:
            left = {
                t.name: c.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one()
                for t in Base.metadata.sorted_tables
            }
            for name in ("rollup_pending", "rollup_service_pending"):
                left[name] = c.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
        # settings_versions holds version tokens (seeded by migrations, bumped by triggers), not data
        assert {t: n for t, n in left.items() if n and t != "settings_versions"} == {}
    finally:
        engine.dispose()
    channel_id, _ = world.webhook_channel()
    assert channel_id == 1  # the id sequences start again


def test_a_tests_analyze_leaves_no_statistics_to_the_next_test_on_sqlite(sqlite_url: str) -> None:
    """A plan test that ran ANALYZE left sqlite_stat1 rows behind, and a later plan test's
    planner chose other plans from them: empty_tables leaves no statistics, as a fresh schema."""
    empty_tables(sqlite_url)
    engine = create_engine(sqlite_url)
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO labels (name, color) VALUES ('a', '#000000')"))
            c.execute(text("ANALYZE"))
            assert c.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() > 0
        empty_tables(sqlite_url)
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() == 0
    finally:
        engine.dispose()


# pytest-xdist: each worker's own databases and Redis dbs (tests/processes.py), longest files first.

PREAMBLE = {
    "MURMUR_TEST_PG_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/x_test",
    "MURMUR_TEST_REDIS_URL": "redis://127.0.0.1:6384/15",
    "MURMUR_TEST_SCALED_REDIS_URL": "redis://127.0.0.1:6384/14",
    "MURMUR_TEST_SCALED_DB": "x_scaled",
    "MURMUR_BENCH_REDIS_URL": "redis://127.0.0.1:6384/13",
    "MURMUR_BENCH_SCALED_DB": "x_bench",
    "MURMUR_TEST_FAULT_REDIS_URL": "redis://127.0.0.1:6384/12",
    "MURMUR_TEST_FAULT_DB": "x_fault",
}


def _names(environ: dict[str, str]) -> set[str]:
    """Every database and Redis db a test process with `environ` uses (its worker's, or the base)."""
    given = {
        **REDIS_DEFAULTS,
        **DATABASE_DEFAULTS,
        "MURMUR_TEST_PG_URL": PG_DEFAULT,
        **{k: v for k, v in environ.items() if k != "PYTEST_XDIST_WORKER"},
    }
    given.update(worker_environment(environ))
    return {given[var] for var in [*REDIS_DEFAULTS, *DATABASE_DEFAULTS, "MURMUR_TEST_PG_URL"]}


def test_without_xdist_and_on_the_first_worker_every_name_stays_as_given() -> None:
    assert worker_environment({}) == {}
    assert worker_environment(PREAMBLE) == {}
    assert worker_environment({**PREAMBLE, "PYTEST_XDIST_WORKER": "gw0"}) == {}


def test_the_second_worker_derives_its_own_names_from_the_given_ones() -> None:
    assert worker_environment({**PREAMBLE, "PYTEST_XDIST_WORKER": "gw1"}) == {
        "MURMUR_TEST_PG_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/x_test_gw1",
        "MURMUR_TEST_REDIS_URL": "redis://127.0.0.1:6384/11",
        "MURMUR_TEST_SCALED_REDIS_URL": "redis://127.0.0.1:6384/10",
        "MURMUR_TEST_SCALED_DB": "x_scaled_gw1",
        "MURMUR_BENCH_REDIS_URL": "redis://127.0.0.1:6384/9",
        "MURMUR_BENCH_SCALED_DB": "x_bench_gw1",
        "MURMUR_TEST_FAULT_REDIS_URL": "redis://127.0.0.1:6384/8",
        "MURMUR_TEST_FAULT_DB": "x_fault_gw1",
    }


def test_with_nothing_set_as_on_ci_the_second_worker_derives_from_the_defaults() -> None:
    derived = worker_environment({"PYTEST_XDIST_WORKER": "gw1"})
    assert derived["MURMUR_TEST_PG_URL"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test_gw1"
    assert derived["MURMUR_TEST_REDIS_URL"] == "redis://127.0.0.1:6379/11"
    assert derived["MURMUR_TEST_FAULT_DB"] == "murmur_fault_gw1"


def test_no_two_workers_share_a_database_or_a_redis_db() -> None:
    for base in ({}, PREAMBLE):
        workers = [_names({**base, "PYTEST_XDIST_WORKER": f"gw{n}"}) for n in range(4)]
        for i, mine in enumerate(workers):
            for theirs in workers[i + 1 :]:
                assert not mine & theirs, (base, mine & theirs)
    with pytest.raises(RuntimeError, match="no Redis db left"):
        worker_environment({**PREAMBLE, "PYTEST_XDIST_WORKER": "gw4"})


def test_this_test_process_uses_its_workers_names() -> None:
    """tests/conftest.py applied the worker's names before the modules read them."""
    n = worker_index()
    assert os.environ.get("MURMUR_TEST_PG_URL", PG_DEFAULT) == PG_URL
    assert (f"_gw{n}" in PG_URL) == (n > 0)


def test_the_longest_files_go_first_and_the_others_keep_their_order() -> None:
    root = Path(__file__).resolve().parents[2]
    assert all((root / path).is_file() for path in LONGEST_FILES)  # a renamed file is not silently last
    ids = ["tests/unit/a.py::t", LONGEST_FILES[1] + "::x", "tests/unit/b.py::t", LONGEST_FILES[0] + "::y"]
    assert sorted(ids, key=longest_first) == [ids[3], ids[1], ids[0], ids[2]]


@pytest.mark.skipif(not SERVICES, reason="needs MURMUR_TEST_SERVICES=1")
def test_a_workers_postgresql_database_is_created_when_missing() -> None:
    url = make_url(PG_URL).set(database=f"{make_url(PG_URL).database}_made")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    exists = text("SELECT count(*) FROM pg_database WHERE datname = :n")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        create_database_if_missing(url.render_as_string(hide_password=False))
        create_database_if_missing(url.render_as_string(hide_password=False))  # there: nothing to do
        with admin.connect() as c:
            assert c.execute(exists, {"n": url.database}).scalar_one() == 1
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        admin.dispose()
