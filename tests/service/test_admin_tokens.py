"""API tokens: scopes checked before any view, expiry by the inbox clock, revocation on the next
request, last use recorded; old unscoped tokens keep working; all of it in the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inbox.store.models import ApiToken, AuditLog


def _token(client, admin, name="script", scopes=("read",), **extra):
    res = client.post(
        "/api/admin/tokens", json={"name": name, "scopes": list(scopes), **extra}, headers=admin["auth"]
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_read_only_token_reads_but_cannot_write_and_revocation_is_next_request(client, world, inbox):
    admin = world.agent("admin")
    made = _token(client, admin, "reporting", ["read"])
    assert made["secret"].startswith("mur_") and made["scopes"] == ["read"] and made["state"] == "active"
    auth = {"Authorization": f"Bearer {made['secret']}"}

    assert client.get("/api/conversations", headers=auth).status_code == 200
    res = client.post("/api/admin/teams", json={"name": "Billing"}, headers=auth)
    assert res.status_code == 403 and "do not include admin" in res.get_json()["error"]["message"]
    res = client.patch("/api/conversations/1", json={"status": "resolved"}, headers=auth)
    assert res.status_code == 403 and "do not include write" in res.get_json()["error"]["message"]

    listed = client.get("/api/admin/tokens", headers=admin["auth"]).get_json()["tokens"]
    mine = next(t for t in listed if t["id"] == made["id"])
    assert "secret" not in mine and mine["last_used_at"] is not None

    res = client.post(f"/api/admin/tokens/{made['id']}/revoke", headers=admin["auth"])
    assert res.status_code == 200
    res = client.get("/api/conversations", headers=auth)
    assert res.status_code == 401 and "revoked" in res.get_json()["error"]["message"]
    # revoking again changes nothing and writes no second entry
    client.post(f"/api/admin/tokens/{made['id']}/revoke", headers=admin["auth"])
    with inbox.read() as s:
        actions = list(
            s.scalars(
                select(AuditLog.action).where(AuditLog.target == f"token:{made['id']}").order_by(AuditLog.id)
            )
        )
    assert actions == ["token.created", "token.revoked"]


def test_write_scope_changes_but_admin_paths_need_admin(client, world):
    admin = world.agent("admin")
    writer = _token(client, admin, "bot", ["read", "write"])
    auth = {"Authorization": f"Bearer {writer['secret']}"}
    assert client.post("/api/admin/teams", json={"name": "Billing"}, headers=auth).status_code == 403
    full = _token(client, admin, "ops", ["write", "admin"])
    res = client.post(
        "/api/admin/teams", json={"name": "Billing"}, headers={"Authorization": f"Bearer {full['secret']}"}
    )
    assert res.status_code == 201
    # the old, unscoped token of the fixture keeps every power of its agent
    assert client.post("/api/admin/teams", json={"name": "Sales"}, headers=admin["auth"]).status_code == 201


def test_expiry_follows_the_inbox_clock(client, world, clock):
    admin = world.agent("admin")
    made = _token(client, admin, "short", ["read"], expires_at=(clock() + timedelta(hours=1)).isoformat())
    auth = {"Authorization": f"Bearer {made['secret']}"}
    assert client.get("/api/conversations", headers=auth).status_code == 200
    clock.advance(hours=1, seconds=1)
    assert client.get("/api/conversations", headers=auth).status_code == 401
    listed = client.get("/api/admin/tokens", headers=admin["auth"]).get_json()["tokens"]
    assert next(t for t in listed if t["id"] == made["id"])["state"] == "expired"


def test_bad_token_bodies_are_400_naming_the_field(client, world, clock):
    admin = world.agent("admin")
    for body, field in (
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["root"]}, "scopes[0]"),
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "scopes": ["read"], "agent_id": 999999}, "agent_id"),
    ):
        res = client.post("/api/admin/tokens", json=body, headers=admin["auth"])
        assert res.status_code in (400, 404), (body, res.get_json())
        assert res.get_json()["error"]["field"] == field, body


def test_only_admins_manage_tokens(client, world):
    sup = world.agent("supervisor")
    assert client.get("/api/admin/tokens", headers=sup["auth"]).status_code == 403
    res = client.post("/api/admin/tokens", json={"name": "x", "scopes": ["read"]}, headers=sup["auth"])
    assert res.status_code == 403


def test_last_used_is_written_at_most_once_a_minute(client, world, inbox, clock):
    admin = world.agent("admin")
    made = _token(client, admin, "busy", ["read"])
    auth = {"Authorization": f"Bearer {made['secret']}"}
    client.get("/api/conversations", headers=auth)
    first = clock()
    clock.advance(seconds=30)
    client.get("/api/conversations", headers=auth)
    with inbox.read() as s:
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.id == made["id"])) == first
    clock.advance(seconds=31)
    client.get("/api/conversations", headers=auth)
    with inbox.read() as s:
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.id == made["id"])) == clock()


def test_deactivated_agents_token_stops_working(client, world):
    admin, agent = world.agent("admin"), world.agent("agent")
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 200
    res = client.patch(f"/api/admin/agents/{agent['id']}", json={"active": False}, headers=admin["auth"])
    assert res.status_code == 200 and res.get_json()["active"] is False
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 401
    client.patch(f"/api/admin/agents/{agent['id']}", json={"active": True}, headers=admin["auth"])
    assert client.get("/api/conversations", headers=agent["auth"]).status_code == 200
