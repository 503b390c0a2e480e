"""What a bearer token's read request sends to the database once its agent is kept: the token
check's read of the version tokens, then the page's own statements, with no second read of the
tokens (the check's `Principal` is handed to the service) and, for the ranked list, one
statement holding its rows and their labels. On PostgreSQL those reads run without a
transaction (`Inbox.glance`): no BEGIN, no ROLLBACK."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.service.conftest import message


def _sent(inbox: Any, work: Any) -> tuple[list[str], list[bool]]:
    """The statements `work()` sends, and whether each went on a connection in a transaction
    (psycopg sends BEGIN before a statement unless the connection is in autocommit)."""
    statements: list[str] = []
    in_transaction: list[bool] = []

    def cursor(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)
        in_transaction.append(not getattr(conn.connection.dbapi_connection, "autocommit", False))

    event.listen(inbox.engine, "before_cursor_execute", cursor)
    try:
        work()
    finally:
        event.remove(inbox.engine, "before_cursor_execute", cursor)
    return statements, in_transaction


def test_a_ranked_list_and_a_page_send_the_token_check_then_their_own_reads(
    client, world, post_webhook, inbox, backend
):
    agent = world.agent("supervisor")
    channel, secret = world.webhook_channel("Support")
    for i in range(3):
        body = {**message(f"r{i}", "Where is my order?", author=f"a{i}"), "thread": f"r{i}"}
        assert post_webhook(channel, secret, body).status_code in (200, 201, 202)
    listed = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    assert len(listed) == 3
    page = f"/api/conversations/{listed[0]['id']}"
    assert client.get(page, headers=agent["auth"]).status_code == 200  # both kept from now on

    sent, list_txn = _sent(inbox, lambda: client.get("/api/conversations", headers=agent["auth"]))
    reads = [s for s in sent if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA"))]
    assert len(reads) == 2, reads
    assert "settings_versions" in reads[0]
    assert "conversation_labels" in reads[1] and "rank_settles_at >" in reads[1]

    sent, page_txn = _sent(inbox, lambda: client.get(page, headers=agent["auth"]))
    reads = [s for s in sent if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA"))]
    assert sum("settings_versions" in s for s in reads) == 1, reads
    if backend == "postgresql":  # neither the check nor the reads opened a transaction
        assert not any(list_txn) and not any(page_txn), (list_txn, page_txn)
