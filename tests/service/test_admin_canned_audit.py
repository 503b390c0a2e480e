"""Canned replies per team with language variants (the conversation's language first), and the
audit log read back filtered by actor, object, action and time."""

from __future__ import annotations

from datetime import timedelta

from tests.service.conftest import message


def _canned(client, who, **body):
    res = client.post("/api/canned-responses", json=body, headers=who["auth"])
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_variant_in_the_conversations_language_is_offered_first(client, world, post_webhook):
    sup = world.agent("supervisor")
    agent = world.agent(online=True, languages=["en", "th"])
    _canned(client, sup, shortcut="aaa", text="Hello {name}")
    thanks = _canned(
        client, sup, shortcut="thanks", text="Thank you {name}!", variants={"th": "ขอบคุณค่ะ คุณ{name}"}
    )
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("th1", "สินค้ายังไม่มาถึงเลยค่ะ รอมาสองอาทิตย์แล้ว", language="th"))
    conv = client.get("/api/conversations?status=all", headers=agent["auth"]).get_json()["conversations"][0]
    assert conv["language"] == "th"

    rows = client.get(
        f"/api/canned-responses?conversation_id={conv['id']}", headers=agent["auth"]
    ).get_json()["canned_responses"]
    assert rows[0]["id"] == thanks["id"] and rows[0]["text"] == "ขอบคุณค่ะ คุณ{name}"
    assert rows[0]["language_matched"] is True and rows[0]["variants"] == {"th": "ขอบคุณค่ะ คุณ{name}"}
    # without a language, the default text, by shortcut
    rows = client.get("/api/canned-responses", headers=agent["auth"]).get_json()["canned_responses"]
    assert [r["shortcut"] for r in rows][:2] == ["aaa", "ack"] or rows[0]["shortcut"] == "aaa"
    assert next(r for r in rows if r["id"] == thanks["id"])["text"] == "Thank you {name}!"
    rows = client.get("/api/canned-responses?language=th&q=thank", headers=agent["auth"]).get_json()
    assert rows["canned_responses"][0]["text"].startswith("ขอบคุณ")


def test_team_replies_reach_only_that_team_and_managers_see_all(client, world, inbox):
    admin = world.agent("admin", teams=())
    client.post("/api/admin/teams", json={"name": "Billing"}, headers=admin["auth"])
    billing = world.team_id("Billing")
    inside, outside = world.agent(teams=("Billing",)), world.agent(teams=("Support",))
    refund = _canned(client, admin, shortcut="refund", text="Your refund is on its way.", team_id=billing)

    def ids(who, extra=""):
        rows = client.get("/api/canned-responses?limit=200" + extra, headers=who["auth"]).get_json()
        return {r["id"] for r in rows["canned_responses"]}

    assert refund["id"] in ids(inside)
    assert refund["id"] not in ids(outside)
    assert refund["id"] not in ids(outside, "&all=true")  # `all` is for managers only
    assert refund["id"] in ids(admin, "&all=true")


def test_edit_delete_conflicts_and_permissions(client, world):
    sup, agent = world.agent("supervisor"), world.agent()
    c = _canned(client, sup, shortcut="hi", text="Hi")
    assert (
        client.post(
            "/api/canned-responses", json={"shortcut": "hi", "text": "x"}, headers=sup["auth"]
        ).status_code
        == 409
    )
    res = client.put(
        f"/api/canned-responses/{c['id']}",
        json={"shortcut": "hello", "text": "Hello {name}", "variants": {"zh": "你好"}},
        headers=sup["auth"],
    )
    assert res.status_code == 200 and res.get_json()["variants"] == {"zh": "你好"}
    for body, field in (
        ({"shortcut": "has space", "text": "x"}, "shortcut"),
        ({"shortcut": "ok", "text": ""}, "text"),
        ({"shortcut": "ok", "text": "x", "variants": {"EN!": "x"}}, "variants.EN!"),
    ):
        res = client.post("/api/canned-responses", json=body, headers=sup["auth"])
        assert res.status_code == 400, (body, res.get_json())
        assert res.get_json()["error"]["field"].startswith(field.split(".")[0]), body
    assert (
        client.post(
            "/api/canned-responses", json={"shortcut": "a", "text": "b"}, headers=agent["auth"]
        ).status_code
        == 403
    )
    res = client.post(
        "/api/canned-responses",
        json={"shortcut": "ok", "text": "x", "team_id": 2147483647},
        headers=sup["auth"],
    )
    assert res.status_code == 404 and res.get_json()["error"]["field"] == "team_id"
    assert client.delete(f"/api/canned-responses/{c['id']}", headers=agent["auth"]).status_code == 403
    assert client.delete(f"/api/canned-responses/{c['id']}", headers=sup["auth"]).status_code == 204
    assert client.delete(f"/api/canned-responses/{c['id']}", headers=sup["auth"]).status_code == 404


def test_audit_log_filters_by_actor_object_action_and_time(client, world, clock):
    admin, other = world.agent("admin", teams=()), world.agent("admin", teams=())
    start = clock()
    team = client.post("/api/admin/teams", json={"name": "Billing"}, headers=admin["auth"]).get_json()
    clock.advance(hours=2)
    client.patch(
        f"/api/admin/teams/{team['id']}", json={"routing_strategy": "least_loaded"}, headers=other["auth"]
    )
    made = client.post(
        "/api/admin/tokens", json={"name": "t", "scopes": ["read"]}, headers=admin["auth"]
    ).get_json()
    client.post(f"/api/admin/tokens/{made['id']}/revoke", headers=admin["auth"])
    _canned(client, admin, shortcut="x1", text="y")

    def entries(qs):
        res = client.get("/api/admin/audit?" + qs, headers=admin["auth"])
        assert res.status_code == 200, res.get_json()
        return [(e["action"], e["target"]) for e in res.get_json()["entries"]]

    assert entries(f"target=team:{team['id']}") == [
        ("team.routing", f"team:{team['id']}"),
        ("team.created", f"team:{team['id']}"),
    ]
    assert entries(f"actor_id={other['id']}&action=team.") == [("team.routing", f"team:{team['id']}")]
    assert [a for a, _ in entries("action=token.")] == ["token.revoked", "token.created"] + [
        "token.created"
    ] * 2
    assert entries("target=canned") == [
        ("canned.created", "canned:" + entries("target=canned")[0][1].split(":")[1])
    ]
    until = (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ("team.created", f"team:{team['id']}") in entries(f"until={until}&target=team")
    assert ("team.routing", f"team:{team['id']}") not in entries(f"until={until}&target=team")
    first = client.get("/api/admin/audit?limit=2", headers=admin["auth"]).get_json()
    assert len(first["entries"]) == 2 and first["next_before_id"] == first["entries"][-1]["id"]
    more = client.get(
        f"/api/admin/audit?limit=2&before_id={first['next_before_id']}", headers=admin["auth"]
    ).get_json()
    assert more["entries"][0]["id"] < first["entries"][-1]["id"]
    assert first["entries"][0]["actor"]["id"] == admin["id"]
    for bad in ("target=team:x", "action=DROP", "limit=0", "since=yesterday"):
        res = client.get("/api/admin/audit?" + bad, headers=admin["auth"])
        assert res.status_code == 400, bad
    assert client.get("/api/admin/audit", headers=world.agent("supervisor")["auth"]).status_code == 403
