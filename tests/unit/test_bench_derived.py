"""The year builder replays the schema's own insert triggers on a temporary copy of the loaded
rows (web.bench.derived): the trigger's text is retargeted, never rewritten, and a definition it
cannot retarget stops the build instead of silently skipping the derived data."""

from __future__ import annotations

import sqlite3

import pytest

from web.bench.derived import _retarget_postgresql, _retarget_sqlite

SQLITE = (
    "CREATE TRIGGER rollup_messages_ai AFTER INSERT ON messages WHEN new.direction = 'in' BEGIN "
    "INSERT INTO pending (message_id) SELECT new.id FROM messages m WHERE m.id = new.id; END"
)


def test_a_sqlite_trigger_replayed_on_a_copy_writes_what_it_wrote_on_the_table():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, direction TEXT)")
    db.execute("CREATE TABLE pending (message_id INTEGER)")
    db.executemany("INSERT INTO messages VALUES (?, ?)", [(1, "in"), (2, "out"), (3, "in")])
    db.execute("CREATE TEMP TABLE replay_messages AS SELECT * FROM main.messages WHERE 0")
    db.execute(_retarget_sqlite(SQLITE, "rollup_messages_ai", "messages", "replay_messages"))
    db.execute("INSERT INTO replay_messages SELECT * FROM main.messages ORDER BY id")
    assert db.execute("SELECT message_id FROM pending").fetchall() == [(1,), (3,)]
    # the body still reads the real table: only the trigger's own name and target changed
    assert "FROM messages m" in _retarget_sqlite(SQLITE, "rollup_messages_ai", "messages", "r")


def test_a_postgresql_trigger_definition_is_retargeted_to_the_copy():
    definition = (
        "CREATE TRIGGER rollup_messages AFTER INSERT OR DELETE OR UPDATE OF conversation_id, direction "
        "ON public.messages FOR EACH ROW EXECUTE FUNCTION rollup_message_changed()"
    )
    assert _retarget_postgresql(definition, "rollup_messages", "messages", "replay_messages") == (
        "CREATE TRIGGER replay_rollup_messages AFTER INSERT OR DELETE OR UPDATE OF conversation_id, direction "
        "ON replay_messages FOR EACH ROW EXECUTE FUNCTION rollup_message_changed()"
    )


@pytest.mark.parametrize(
    "retarget, definition",
    [
        (_retarget_sqlite, SQLITE.replace("ON messages", "ON other")),
        (_retarget_postgresql, "CREATE TRIGGER rollup_messages AFTER INSERT ON public.other FOR EACH ROW"),
    ],
)
def test_a_trigger_it_cannot_retarget_stops_the_build(retarget, definition):
    with pytest.raises(ValueError, match="cannot replay"):
        retarget(
            definition,
            "rollup_messages_ai" if retarget is _retarget_sqlite else "rollup_messages",
            "messages",
            "r",
        )
