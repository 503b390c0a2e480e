"""Leftovers of the admin console (#16): canned shortcuts unique per team, archived teams receive
nothing, and who resolved a conversation is recorded, shown and credited by the reports."""

from __future__ import annotations

from tests.service.conftest import message


def _canned(client, who, **body):
    return client.post("/api/canned-responses", json=body, headers=who["auth"])


def test_two_teams_may_share_a_shortcut_but_not_with_a_team_less_reply(client, world):
    admin = world.agent("admin", teams=())
    for name in ("Billing", "Returns"):
        assert client.post("/api/admin/teams", json={"name": name}, headers=admin["auth"]).status_code == 201
    billing, returns = world.team_id("Billing"), world.team_id("Returns")
    assert _canned(client, admin, shortcut="refund", text="Billing's", team_id=billing).status_code == 201
    assert _canned(client, admin, shortcut="refund", text="Returns'", team_id=returns).status_code == 201
    # the same team twice, and a team-less one behind a team's shortcut: one agent would see two
    again = _canned(client, admin, shortcut="refund", text="again", team_id=billing)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "shortcut"
    assert _canned(client, admin, shortcut="refund", text="everyone").status_code == 409
    hello = _canned(client, admin, shortcut="hello", text="Hello")
    assert hello.status_code == 201
    assert _canned(client, admin, shortcut="hello", text="again").status_code == 409
    assert _canned(client, admin, shortcut="hello", text="Billing hello", team_id=billing).status_code == 409
    # editing a reply keeps its own shortcut; moving it onto another's is refused
    own = hello.get_json()
    res = client.put(
        f"/api/canned-responses/{own['id']}",
        json={"shortcut": "hello", "text": "Hello there", "team_id": None},
        headers=admin["auth"],
    )
    assert res.status_code == 200, res.get_json()
    res = client.put(
        f"/api/canned-responses/{own['id']}",
        json={"shortcut": "refund", "text": "Hello there", "team_id": None},
        headers=admin["auth"],
    )
    assert res.status_code == 409


def test_an_archived_team_receives_no_conversation(client, world, post_webhook):
    admin = world.agent("admin", teams=())
    member = world.agent(teams=("Support",), online=True)
    tid = world.team_id("Support")
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("before", "Where is my order?", author="u1"))
    res = client.patch(f"/api/admin/teams/{tid}", json={"archived": True}, headers=admin["auth"])
    assert res.status_code == 200 and res.get_json()["archived"] is True
    post_webhook(channel_id, secret, message("after", "Where is my refund?", author="u2"))
    convs = client.get("/api/conversations?status=all", headers=admin["auth"]).get_json()["conversations"]
    by_text = {c["id"]: c for c in convs}
    teams = sorted((c["team_id"] is None, c["id"]) for c in by_text.values())
    # the conversation from before keeps its history; the new one goes to the general queue
    assert [t for t, _ in teams] == [False, True], convs
    # and nobody hands one to the archived team by hand
    newest = max(by_text)
    res = client.patch(f"/api/conversations/{newest}", json={"team_id": tid}, headers=member["auth"])
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "team_id"
    # restored, it receives again
    client.patch(f"/api/admin/teams/{tid}", json={"archived": False}, headers=admin["auth"])
    post_webhook(channel_id, secret, message("restored", "Hello again", author="u3"))
    convs = client.get("/api/conversations?status=all", headers=admin["auth"]).get_json()["conversations"]
    assert next(c for c in convs if c["id"] > newest)["team_id"] == tid


def test_who_resolved_is_recorded_shown_credited_and_cleared_on_reopen(client, world, post_webhook):
    sup = world.agent("supervisor", teams=("Support",))
    agent = world.agent(online=True)
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("q1", "Where is my parcel?", author="c1", thread="c1"))
    cid = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]["id"]
    patch = client.patch(f"/api/conversations/{cid}", json={"assignee_id": agent["id"]}, headers=sup["auth"])
    assert patch.status_code == 200
    # the supervisor resolves the agent's conversation: the resolution is the supervisor's
    res = client.patch(f"/api/conversations/{cid}", json={"status": "resolved"}, headers=sup["auth"])
    assert res.status_code == 200
    conv = client.get(f"/api/conversations/{cid}", headers=agent["auth"]).get_json()
    assert conv["resolved_by_id"] == sup["id"] and conv["resolved_at"] and conv["assignee_id"] == agent["id"]
    listed = client.get("/api/conversations?status=resolved", headers=sup["auth"]).get_json()["conversations"]
    assert [c["resolved_by_id"] for c in listed if c["id"] == cid] == [sup["id"]]

    data = client.get("/api/reports?preset=today&tz=UTC", headers=sup["auth"]).get_json()
    rows = {r["id"]: r for r in data["agents"]}
    assert rows[sup["id"]]["handled"]["count"] == 1 and rows[agent["id"]]["handled"]["count"] == 0
    drill = client.get(
        "/api/reports/conversations",
        query_string={**rows[sup["id"]]["handled"]["drill"], "limit": 50},
        headers=sup["auth"],
    ).get_json()
    assert [(c["id"], c["agent_id"]) for c in drill["conversations"]] == [(cid, sup["id"])]

    # the customer writes again: reopened, and nobody has resolved it any more
    post_webhook(channel_id, secret, message("q2", "It still has not come", author="c1", thread="c1"))
    conv = client.get(f"/api/conversations/{cid}", headers=agent["auth"]).get_json()
    assert conv["status"] == "open" and conv["resolved_by_id"] is None and conv["resolved_at"] is None
