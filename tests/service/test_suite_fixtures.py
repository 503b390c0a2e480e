"""The suite's own speed-ups change nothing the tests observe.

`tests/conftest.py` remembers werkzeug's compiled URL builders across apps and hashes passwords
with argon2's cheapest parameters; both must be invisible to the code under test.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import FloatConverter, NumberConverter, PathConverter

from inbox.store import security
from inbox.store.models import Base
from tests.conftest import _cached_builder, empty_tables
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
