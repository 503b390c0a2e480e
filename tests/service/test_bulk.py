"""Bulk actions on the list (per-id results, access per id) and reconnect catch-up (updated_since)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.service.conftest import message, sio_client, wait_for


@pytest.fixture
def setup(world, post_webhook, client):
    agent = world.agent(teams=("Support",))
    other = world.agent(teams=("Support",))
    outsider = world.agent(teams=("Billing",))
    supervisor = world.agent("supervisor", teams=())
    support, s1 = world.webhook_channel("Support")
    billing, s2 = world.webhook_channel("Billing")
    for i in range(3):
        post_webhook(support, s1, message(f"s{i}", f"support question {i}", author=f"s{i}"))
    post_webhook(billing, s2, message("b0", "billing question", author="b0"))
    convs = client.get("/api/conversations?sort=newest", headers=supervisor["auth"]).get_json()[
        "conversations"
    ]
    mine = [c["id"] for c in convs if c["team_id"] == world.team_id("Support")]
    theirs = [c["id"] for c in convs if c["team_id"] == world.team_id("Billing")]
    return {
        "agent": agent,
        "other": other,
        "outsider": outsider,
        "supervisor": supervisor,
        "mine": sorted(mine),
        "theirs": theirs,
    }


def _bulk(client, auth, **body):
    res = client.post("/api/conversations/bulk", json=body, headers=auth)
    return res.status_code, res.get_json()


def test_bulk_mixes_allowed_forbidden_and_missing_ids(app, client, setup):
    auth = setup["agent"]["auth"]
    ids = [*setup["mine"], setup["theirs"][0], 99999, setup["mine"][0]]  # the repeat is applied once
    sio = sio_client(app, setup["other"]["token"])
    sio.get_received()
    status, body = _bulk(client, auth, ids=ids, action="assign", assignee_id=setup["other"]["id"])
    assert status == 200
    assert [r["id"] for r in body["results"]] == [*setup["mine"], setup["theirs"][0], 99999]
    assert [r["ok"] for r in body["results"]] == [True, True, True, False, False]
    assert body["results"][3]["error"]["code"] == "forbidden"
    assert body["results"][4]["error"]["code"] == "not_found"
    assert body["ok"] == 3 and body["failed"] == 2
    assert all(r["conversation"]["assignee_id"] == setup["other"]["id"] for r in body["results"][:3])
    wait_for(sio, "conversation.assigned")
    # the forbidden conversation was not touched
    sup = client.get(
        f"/api/conversations/{setup['theirs'][0]}", headers=setup["supervisor"]["auth"]
    ).get_json()
    assert sup["assignee_id"] is None


def test_bulk_label_adds_and_removes_keeping_others(client, setup):
    auth = setup["agent"]["auth"]
    first, second = setup["mine"][:2]
    client.patch(f"/api/conversations/{first}", json={"labels": ["vip-followup"]}, headers=auth)
    status, body = _bulk(client, auth, ids=[first, second], action="label", labels=["shipping", " "])
    assert status == 200 and body["ok"] == 2
    assert body["results"][0]["conversation"]["labels"] == ["shipping", "vip-followup"]
    assert body["results"][1]["conversation"]["labels"] == ["shipping"]
    _, body = _bulk(client, auth, ids=[first], action="label", remove_labels=["vip-followup"])
    assert body["results"][0]["conversation"]["labels"] == ["shipping"]


def test_bulk_resolve_and_status(client, setup):
    auth = setup["agent"]["auth"]
    _, body = _bulk(client, auth, ids=setup["mine"][:2], action="resolve")
    assert [r["conversation"]["status"] for r in body["results"]] == ["resolved", "resolved"]
    _, body = _bulk(client, auth, ids=setup["mine"][:1], action="status", status="pending")
    assert body["results"][0]["conversation"]["status"] == "pending"
    open_ids = [c["id"] for c in client.get("/api/conversations", headers=auth).get_json()["conversations"]]
    assert open_ids == [setup["mine"][2]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": [], "action": "resolve"}, "ids"),
        ({"ids": [1], "action": "explode"}, "action"),
        ({"ids": [1], "action": "assign"}, "assignee_id"),
        ({"ids": [1], "action": "status"}, "status"),
        ({"ids": [1], "action": "label"}, "labels"),
        ({"ids": list(range(201)), "action": "resolve"}, "ids"),
        ({"ids": [1], "action": "resolve", "drop_tables": True}, "drop_tables"),
    ],
)
def test_bulk_bad_bodies(client, setup, body, field):
    status, out = _bulk(client, setup["agent"]["auth"], **body)
    assert status == 400 and out["error"]["field"] == field


def test_updated_since_catches_up_without_gaps(client, setup, clock, world, post_webhook):
    auth = setup["agent"]["auth"]
    clock.advance(minutes=1)  # beyond the cursor's overlap, so the first fetch is not fetched again
    first = client.get("/api/conversations?updated_since=2000-01-01T00:00:00Z", headers=auth).get_json()
    assert sorted(c["id"] for c in first["conversations"]) == setup["mine"]
    cursor = first["next_since"]

    # the socket drops; meanwhile one conversation is resolved by a colleague, one gets a message,
    # and the Billing team's conversation changes too
    clock.advance(minutes=5)
    resolved, touched, untouched = setup["mine"]
    client.patch(
        f"/api/conversations/{resolved}", json={"status": "resolved"}, headers=setup["other"]["auth"]
    )
    clock.advance(seconds=1)
    client.post(
        f"/api/conversations/{touched}/replies", json={"text": "on it", "private": True}, headers=auth
    )
    client.patch(
        f"/api/conversations/{setup['theirs'][0]}",
        json={"status": "pending"},
        headers=setup["supervisor"]["auth"],
    )

    back = client.get("/api/conversations", query_string={"updated_since": cursor}, headers=auth).get_json()
    got = back["conversations"]
    assert [c["id"] for c in got] == [resolved, touched]  # oldest change first; resolved ones included
    assert got[0]["status"] == "resolved"
    assert untouched not in [c["id"] for c in got]
    # the next cursor overlaps the past a little, so nothing committed meanwhile is skipped
    assert back["next_since"] < clock().isoformat()
    again = client.get("/api/conversations", query_string={"updated_since": back["next_since"]}, headers=auth)
    assert {c["id"] for c in again.get_json()["conversations"]} == {resolved, touched}
    clock.advance(minutes=2)
    quiet = client.get(
        "/api/conversations",
        query_string={"updated_since": (clock() - timedelta(seconds=1)).isoformat()},
        headers=auth,
    ).get_json()
    assert quiet["conversations"] == []
    # an explicit status still filters; a bad time is a 400
    opened = client.get(
        "/api/conversations", query_string={"updated_since": cursor, "status": "open"}, headers=auth
    ).get_json()["conversations"]
    assert [c["id"] for c in opened] == [touched]
    res = client.get("/api/conversations?updated_since=yesterday", headers=auth)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "updated_since"
