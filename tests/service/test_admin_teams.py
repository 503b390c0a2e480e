"""Teams and agents through the admin API: create, rename, archive, members, routing strategy,
capacity and languages driving real routing; invites; deactivation re-routing open work."""

from __future__ import annotations

import re

from sqlalchemy import select

from inbox.store.models import AuditLog
from tests.service.conftest import message


def _convs(client, who):
    return client.get("/api/conversations?status=all", headers=who["auth"]).get_json()["conversations"]


def _audit(inbox, target):
    with inbox.read() as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.target == target).order_by(AuditLog.id)))


def test_team_lifecycle_with_audit(client, world, inbox):
    admin = world.agent("admin")
    a, b = world.agent(teams=()), world.agent(teams=())
    res = client.post("/api/admin/teams", json={"name": "Billing"}, headers=admin["auth"])
    assert res.status_code == 201
    team = res.get_json()
    assert team["routing_strategy"] == "round_robin" and team["members"] == []
    tid = team["id"]
    assert client.post("/api/admin/teams", json={"name": "billing"}, headers=admin["auth"]).status_code == 409

    res = client.patch(
        f"/api/admin/teams/{tid}",
        json={"name": "Billing EU", "routing_strategy": "least_loaded", "member_ids": [a["id"], b["id"]]},
        headers=admin["auth"],
    )
    assert res.status_code == 200
    t = res.get_json()
    assert t["name"] == "Billing EU" and t["routing_strategy"] == "least_loaded"
    assert {m["id"] for m in t["members"]} == {a["id"], b["id"]}

    assert (
        client.patch(f"/api/admin/teams/{tid}", json={"archived": True}, headers=admin["auth"]).status_code
        == 200
    )
    res = client.patch(f"/api/admin/teams/{tid}", json={"member_ids": [a["id"]]}, headers=admin["auth"])
    assert res.status_code == 409
    listed = client.get("/api/admin/teams", headers=admin["auth"]).get_json()["teams"]
    assert listed[-1]["id"] == tid and listed[-1]["archived"] is True
    assert _audit(inbox, f"team:{tid}") == [
        "team.created",
        "team.renamed",
        "team.routing",
        "team.members",
        "team.archived",
    ]


def test_bad_team_input_is_400_and_only_admins(client, world):
    admin, sup = world.agent("admin"), world.agent("supervisor")
    for body, field in (
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "X", "routing_strategy": "random"}, "routing_strategy"),
        ({"name": "X", "colour": "red"}, "colour"),
    ):
        res = client.post("/api/admin/teams", json=body, headers=admin["auth"])
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field, body
    tid = world.team_id()
    res = client.patch(f"/api/admin/teams/{tid}", json={"member_ids": [2147483647]}, headers=admin["auth"])
    assert res.status_code == 404 and res.get_json()["error"]["field"] == "member_ids"
    assert (
        client.patch("/api/admin/teams/2147483647", json={"name": "Y"}, headers=admin["auth"]).status_code
        == 404
    )
    assert client.post("/api/admin/teams", json={"name": "Z"}, headers=sup["auth"]).status_code == 403
    assert client.get("/api/admin/agents", headers=sup["auth"]).status_code == 403


def test_least_loaded_with_capacity_two_queues_the_third_with_its_reason(
    client, world, inbox, clock, post_webhook
):
    admin = world.agent("admin", teams=())
    agent = world.agent(online=True)
    tid = world.team_id()
    client.patch(f"/api/admin/teams/{tid}", json={"routing_strategy": "least_loaded"}, headers=admin["auth"])
    res = client.patch(f"/api/admin/agents/{agent['id']}", json={"capacity": 2}, headers=admin["auth"])
    assert res.get_json()["capacity"] == 2
    channel_id, secret = world.webhook_channel("Support")
    for i in range(3):
        clock.advance(seconds=1)
        post_webhook(channel_id, secret, message(f"m{i}", author=f"cust{i}"))
    convs = _convs(client, admin)
    assert sorted(c["assignee_id"] or 0 for c in convs) == [0, agent["id"], agent["id"]]
    waiting = next(c for c in convs if c["assignee_id"] is None)
    assert "capacity" in waiting["queue_reason"]
    team = next(
        t for t in client.get("/api/admin/teams", headers=admin["auth"]).get_json()["teams"] if t["id"] == tid
    )
    assert team["queued"] == 1
    assert team["waiting"] == [
        {"id": waiting["id"], "subject": waiting["subject"], "queue_reason": waiting["queue_reason"]}
    ]
    assert _audit(inbox, f"agent:{agent['id']}")[-1] == "agent.capacity"


def test_languages_set_by_admin_drive_routing(client, world, post_webhook):
    admin = world.agent("admin", teams=())
    agent = world.agent(online=True, languages=["en"])
    client.patch(f"/api/admin/agents/{agent['id']}", json={"languages": ["en", "th"]}, headers=admin["auth"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("th1", "สินค้ายังไม่มาถึงเลยค่ะ รอมาสองอาทิตย์แล้ว", language="th"))
    assert _convs(client, admin)[0]["assignee_id"] == agent["id"]


def test_invite_link_sets_password_once_then_sign_in(client, world, inbox, clock):
    admin = world.agent("admin")
    tid = world.team_id()
    res = client.post(
        "/api/admin/agents/invite",
        json={
            "email": "New.Person@example.com",
            "name": "New Person",
            "team_ids": [tid],
            "languages": ["en", "th"],
        },
        headers=admin["auth"],
    )
    assert res.status_code == 201
    out = res.get_json()
    assert out["mailed"] is False and out["agent"]["invited"] is True
    assert out["agent"]["email"] == "new.person@example.com"
    path = "/invite/" + out["invite_url"].rsplit("/invite/", 1)[1]

    login = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    # no password works before the invite is used
    res = client.post("/login", data={"email": "new.person@example.com", "password": "!", "csrf_token": csrf})
    assert res.status_code == 401

    page = client.get(path)
    assert page.status_code == 200 and b"new.person@example.com" in page.data
    res = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": csrf})
    assert res.status_code == 400
    res = client.post(path, data={"password": "a new secret", "confirm": "a new secret", "csrf_token": csrf})
    assert res.status_code == 302
    assert client.get(path).status_code == 404  # used up
    res = client.post(
        "/login", data={"email": "new.person@example.com", "password": "a new secret", "csrf_token": csrf}
    )
    assert res.status_code == 302
    assert client.get("/api/me").get_json()["email"] == "new.person@example.com"
    assert _audit(inbox, f"agent:{out['agent']['id']}") == ["agent.invited", "agent.invite_accepted"]


def test_invite_expires_and_duplicate_email_conflicts(client, world, clock):
    admin = world.agent("admin")
    out = client.post(
        "/api/admin/agents/invite", json={"email": "late@example.com"}, headers=admin["auth"]
    ).get_json()
    assert (
        client.post(
            "/api/admin/agents/invite", json={"email": "LATE@example.com"}, headers=admin["auth"]
        ).status_code
        == 409
    )
    res = client.post("/api/admin/agents/invite", json={"email": "not-an-email"}, headers=admin["auth"])
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "email"
    clock.advance(days=8)
    assert client.get("/invite/" + out["invite_url"].rsplit("/invite/", 1)[1]).status_code == 404


def test_deactivation_reroutes_open_work_and_blocks_sign_in(client, world, clock, post_webhook):
    admin = world.agent("admin", teams=())
    leaving = world.agent(online=True)
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("a1", author="c1"))
    conv = _convs(client, admin)[0]
    assert conv["assignee_id"] == leaving["id"]
    # a manual assignment is re-routed too: nobody will answer it here any more
    client.patch(
        f"/api/conversations/{conv['id']}", json={"assignee_id": leaving["id"]}, headers=admin["auth"]
    )
    staying = world.agent(online=True)
    res = client.patch(f"/api/admin/agents/{leaving['id']}", json={"active": False}, headers=admin["auth"])
    assert res.status_code == 200
    assert _convs(client, admin)[0]["assignee_id"] == staying["id"]

    login = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    res = client.post(
        "/login", data={"email": leaving["email"], "password": "correct horse battery", "csrf_token": csrf}
    )
    assert res.status_code == 401

    res = client.patch(f"/api/admin/agents/{admin['id']}", json={"active": False}, headers=admin["auth"])
    assert res.status_code == 409
    res = client.patch(f"/api/admin/agents/{admin['id']}", json={"role": "agent"}, headers=admin["auth"])
    assert res.status_code == 409


def test_deactivation_ends_an_open_browser_session(client, world, app):
    admin, agent = world.agent("admin"), world.agent()
    login = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    res = client.post(
        "/login", data={"email": agent["email"], "password": "correct horse battery", "csrf_token": csrf}
    )
    assert res.status_code == 302 and client.get("/api/me").status_code == 200
    with app.test_client() as admin_client:
        res = admin_client.patch(
            f"/api/admin/agents/{agent['id']}", json={"active": False}, headers=admin["auth"]
        )
        assert res.status_code == 200
    assert client.get("/api/me").status_code == 401
    res = client.get("/")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_new_sign_in_link_replaces_the_old_one_and_sets_a_password(client, world, inbox):
    admin, agent = world.agent("admin"), world.agent()
    first = client.post(f"/api/admin/agents/{agent['id']}/password-link", headers=admin["auth"]).get_json()
    second = client.post(f"/api/admin/agents/{agent['id']}/password-link", headers=admin["auth"]).get_json()
    old, new = ("/invite/" + x["invite_url"].rsplit("/invite/", 1)[1] for x in (first, second))
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(
        1
    )
    assert (
        client.post(
            new, data={"password": "brand new pw", "confirm": "brand new pw", "csrf_token": csrf}
        ).status_code
        == 302
    )
    res = client.post(
        "/login", data={"email": agent["email"], "password": "brand new pw", "csrf_token": csrf}
    )
    assert res.status_code == 302
    assert _audit(inbox, f"agent:{agent['id']}")[-3:] == [
        "agent.password_link",
        "agent.password_link",
        "agent.invite_accepted",
    ]
    client.patch(f"/api/admin/agents/{agent['id']}", json={"active": False}, headers=admin["auth"])
    assert (
        client.post(f"/api/admin/agents/{agent['id']}/password-link", headers=admin["auth"]).status_code
        == 409
    )
    sup = world.agent("supervisor")
    assert client.post(f"/api/admin/agents/{sup['id']}/password-link", headers=sup["auth"]).status_code == 403
