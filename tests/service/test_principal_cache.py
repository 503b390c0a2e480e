"""The asking agent and a bearer token's row are kept between requests (`inbox.admin.principals`)
and dropped as soon as anything they hold changes, whichever process changes it.

On both databases: a warm request reads neither `api_tokens` nor `agents`; a revoke written by
another engine (another process's view of the same database), a role change, a team change and
a deactivation each take effect on the very next request; an unknown token is never kept.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import update

from inbox.admin import principals
from inbox.store import settings_cache
from inbox.store.db import make_engine
from inbox.store.models import ApiToken
from tests.service.conftest import message, selects_run_by


def _reads(inbox, client, auth, path="/api/conversations") -> set[str]:
    def work() -> None:
        assert client.get(path, headers=auth).status_code == 200

    found = set()
    for sql, _ in selects_run_by(inbox, work):
        found.update(t for t in ("api_tokens", "agents", "agent_teams") if re.search(rf"\bFROM {t}\b", sql))
    return found


def test_a_warm_request_reads_neither_the_token_nor_the_agent(client, inbox, world):
    agent = world.agent()
    assert _reads(inbox, client, agent["auth"]) == {"api_tokens", "agents", "agent_teams"}  # cold
    assert _reads(inbox, client, agent["auth"]) == set()
    assert _reads(inbox, client, agent["auth"], "/api/search?q=order") == set()


def test_a_revoke_written_by_another_process_is_seen_by_the_next_request(client, inbox, world, clock):
    agent = world.agent()
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 200
    other = make_engine(inbox.engine.url.render_as_string(hide_password=False))
    try:
        with other.begin() as conn:
            conn.execute(update(ApiToken).values(revoked_at=clock()))
    finally:
        other.dispose()
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 401


def test_role_and_team_changes_and_deactivation_take_effect_on_the_next_request(
    client, inbox, world, post_webhook
):
    admin = world.agent("admin")
    agent = world.agent("agent", teams=("Support",))
    world.agent("agent", teams=("Billing",))
    channel_id, secret = world.webhook_channel("Billing")
    assert post_webhook(channel_id, secret, message("b1", "Refund my order")).status_code == 200

    def listed() -> int:
        res = client.get("/api/conversations?status=all", headers=agent["auth"])
        assert res.status_code == 200
        return len(res.get_json()["conversations"])

    assert listed() == 0  # warm: the Billing conversation is not theirs
    res = client.patch(f"/api/admin/agents/{agent['id']}", json={"role": "supervisor"}, headers=admin["auth"])
    assert res.status_code == 200
    assert listed() == 1
    client.patch(f"/api/admin/agents/{agent['id']}", json={"role": "agent"}, headers=admin["auth"])
    assert listed() == 0
    billing = world.team_id("Billing")
    res = client.patch(
        f"/api/admin/agents/{agent['id']}", json={"team_ids": [billing]}, headers=admin["auth"]
    )
    assert res.status_code == 200
    assert listed() == 1
    client.patch(f"/api/admin/agents/{agent['id']}", json={"active": False}, headers=admin["auth"])
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 401


def test_expiry_is_checked_at_every_use_of_a_kept_token(client, world, clock):
    admin = world.agent("admin")
    res = client.post(
        "/api/admin/tokens",
        json={"name": "short", "scopes": ["read"], "expires_at": (clock() + timedelta(hours=1)).isoformat()},
        headers=admin["auth"],
    )
    auth = {"Authorization": f"Bearer {res.get_json()['secret']}"}
    assert client.get("/api/conversations", headers=auth).status_code == 200
    clock.advance(hours=1)
    assert client.get("/api/conversations", headers=auth).status_code == 401


def test_an_unknown_token_is_never_kept(client, inbox, world):
    world.agent()
    principals.forget()
    for i in range(3):
        res = client.get("/api/conversations", headers={"Authorization": f"Bearer mur_unknown{i}"})
        assert res.status_code == 401
    assert principals._tokens == {}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_check_on_an_unbegun_sqlite_session_takes_no_write_lock(inbox, world):
    """`settings_cache.cached` on a plain session (not `Inbox.read`) used to begin it, i.e.
    `BEGIN IMMEDIATE` on SQLite: a read waiting for the write lock. Now a warm check reads the
    token beside the writer and leaves the session unbegun."""
    world.agent()
    loads = []

    def load() -> str:
        loads.append(1)
        return "value"

    with inbox.session_factory() as s:
        assert settings_cache.cached(s, settings_cache.AGENTS, "probe", load) == "value"
    holder = sqlite3.connect(inbox.engine.url.database, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with inbox.session_factory() as s:
            assert settings_cache.cached(s, settings_cache.AGENTS, "probe", load) == "value"
            assert not s.in_transaction()
    finally:
        holder.rollback()
        holder.close()
    assert len(loads) == 1
