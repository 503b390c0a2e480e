"""The REST API through HTTP: auth, ranking, access, history, replies into the outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inbox.store.models import Outbox
from tests.service.conftest import PASSWORD, message

PROTECTED = [
    ("GET", "/api/conversations"),
    ("GET", "/api/conversations/1"),
    ("PATCH", "/api/conversations/1"),
    ("POST", "/api/conversations/1/replies"),
    ("GET", "/api/customers/1"),
    ("GET", "/api/channels"),
    ("POST", "/api/channels"),
    ("GET", "/api/me"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_api_endpoint_needs_auth(client, method, path):
    res = client.open(path, method=method, json={})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "unauthorized"


def test_health_and_openapi_are_public(client):
    assert client.get("/healthz").status_code == 200
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/conversations/{conversation_id}/replies" in doc["paths"]
    assert "ReplyIn" in doc["components"]["schemas"]


def test_browser_login_sets_session_and_csrf_is_enforced(client, world):
    agent = world.agent()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login", data={"email": agent["email"], "password": "wrong", "csrf_token": token}
        ).status_code
        == 401
    )
    res = client.post("/login", data={"email": agent["email"], "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 302
    assert client.get("/api/me").get_json()["email"] == agent["email"]
    # a cookie session must send the CSRF token on writes; bearer tokens need none
    assert client.patch("/api/conversations/1", json={"status": "resolved"}).status_code == 400
    assert client.get("/").status_code == 200


def test_login_page_without_csrf_token_is_refused(client, world):
    agent = world.agent()
    assert client.post("/login", data={"email": agent["email"], "password": PASSWORD}).status_code == 400


def test_list_is_ranked_by_priority_with_reasons(client, world, post_webhook):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("calm", "Do you ship to Canada?", author="a"))
    post_webhook(
        channel_id,
        secret,
        message(
            "angry", "Terrible! Still waiting for my refund, this is a scam", author="b", followers=50000
        ),
    )
    body = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    assert [c["subject"][:5] for c in body] == ["Terri", "Do yo"]
    top = body[0]
    names = {p["name"] for p in top["priority_components"]}
    assert {"negativity", "urgency", "waiting"} <= names
    assert "urgent" in top["labels"]  # the default angry-big-audience rule fired


def test_filters_and_bad_filter_values(client, world, post_webhook):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("n1", "I hate this product", author="a"))
    post_webhook(channel_id, secret, message("p1", "I love this product, thank you!", author="b"))
    neg = client.get("/api/conversations?sentiment=negative", headers=agent["auth"]).get_json()[
        "conversations"
    ]
    assert [c["subject"] for c in neg] == ["I hate this product"]
    res = client.get("/api/conversations?sentiment=angry", headers=agent["auth"])
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "sentiment"
    assert client.get("/api/conversations?limit=x", headers=agent["auth"]).status_code == 400


def test_conversation_history_reply_goes_to_outbox(client, world, post_webhook, inbox, clock):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("m1", "Where is my order?"))
    clock.advance(minutes=2)
    conv = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]
    res = client.post(
        f"/api/conversations/{conv['id']}/replies", json={"text": "Looking now!"}, headers=agent["auth"]
    )
    assert res.status_code == 201
    reply = res.get_json()
    assert reply["direction"] == "out" and reply["delivery"]["status"] == "queued"
    with inbox.read() as s:
        box = s.scalar(select(Outbox))
        assert box.message_id == reply["id"] and box.status == "queued"
    detail = client.get(f"/api/conversations/{conv['id']}", headers=agent["auth"]).get_json()
    assert [m["direction"] for m in detail["messages"]] == ["in", "out"]
    assert (
        client.post(
            f"/api/conversations/{conv['id']}/replies", json={"text": ""}, headers=agent["auth"]
        ).status_code
        == 400
    )


def test_patch_status_assignee_labels(client, world, post_webhook):
    agent = world.agent()
    other = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("m1"))
    cid = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]["id"]
    res = client.patch(
        f"/api/conversations/{cid}",
        headers=agent["auth"],
        json={"status": "pending", "assignee_id": other["id"], "labels": ["billing", "vip"]},
    )
    assert res.status_code == 200
    got = res.get_json()
    assert (
        got["status"] == "pending"
        and got["assignee_id"] == other["id"]
        and got["labels"] == ["billing", "vip"]
    )
    bad = client.patch(f"/api/conversations/{cid}", headers=agent["auth"], json={"status": "closed"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "status"
    assert (
        client.patch(f"/api/conversations/{cid}", headers=agent["auth"], json={"nope": 1}).status_code == 400
    )


def test_customer_history_spans_channels(client, world, post_webhook):
    agent = world.agent()
    a_id, a_secret = world.webhook_channel()
    b_id, b_secret = world.webhook_channel()
    post_webhook(a_id, a_secret, message("a1", "first contact", author="same"))
    post_webhook(b_id, b_secret, message("b1", "second contact elsewhere", author="same"))
    conv = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]
    cust = client.get(f"/api/customers/{conv['customer_id']}", headers=agent["auth"]).get_json()
    assert len(cust["conversations"]) == 2
    assert [m["text"] for m in cust["timeline"]] == ["first contact", "second contact elsewhere"]


def test_agent_outside_the_team_gets_403(client, world, post_webhook):
    outsider = world.agent(teams=("Billing",))
    supervisor = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1"))
    assert client.get("/api/conversations", headers=outsider["auth"]).get_json()["conversations"] == []
    conv = client.get("/api/conversations", headers=supervisor["auth"]).get_json()["conversations"][0]
    for method, path, body in [
        ("GET", f"/api/conversations/{conv['id']}", None),
        ("PATCH", f"/api/conversations/{conv['id']}", {"status": "resolved"}),
        ("POST", f"/api/conversations/{conv['id']}/replies", {"text": "hi"}),
        ("GET", f"/api/customers/{conv['customer_id']}", None),
    ]:
        assert client.open(path, method=method, json=body, headers=outsider["auth"]).status_code == 403, path


def test_channels_admin_only_and_secrets_never_returned(client, world):
    agent, admin = world.agent(), world.agent("admin")
    body = {"kind": "webhook", "name": "Shop events", "secrets": {"webhook_secret": "s3cr3t-value"}}
    assert client.post("/api/channels", json=body, headers=agent["auth"]).status_code == 403
    res = client.post("/api/channels", json=body, headers=admin["auth"])
    assert res.status_code == 201
    listing = client.get("/api/channels", headers=agent["auth"]).get_data(as_text=True)
    assert "s3cr3t-value" not in listing and "Shop events" in listing
    bad = client.post("/api/channels", json={"kind": "myspace", "name": "x"}, headers=admin["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "kind"


def test_generated_webhook_secret_is_shown_once(client, world):
    admin = world.agent("admin")
    res = client.post("/api/channels", json={"kind": "webhook", "name": "Generic"}, headers=admin["auth"])
    secret = res.get_json()["generated_secrets"]["webhook_secret"]
    assert len(secret) >= 32
    assert secret not in client.get("/api/channels", headers=admin["auth"]).get_data(as_text=True)


def test_snooze_until_then_wake_once(client, world, post_webhook, inbox, clock):
    from datetime import timedelta

    from inbox.conversations.service import wake_snoozed

    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("z1", "Can you check back tomorrow?"))
    cid = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]["id"]
    past = client.patch(
        f"/api/conversations/{cid}",
        headers=agent["auth"],
        json={"status": "snoozed", "snoozed_until": clock().isoformat()},
    )
    assert past.status_code == 400 and past.get_json()["error"]["field"] == "snoozed_until"
    later = (clock() + timedelta(hours=2)).isoformat()
    res = client.patch(
        f"/api/conversations/{cid}", headers=agent["auth"], json={"status": "snoozed", "snoozed_until": later}
    )
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["status"] == "snoozed" and res.get_json()["snoozed_until"]
    assert wake_snoozed(inbox) == 0
    clock.advance(hours=2, seconds=1)
    assert wake_snoozed(inbox) == 1 and wake_snoozed(inbox) == 0
    assert client.get(f"/api/conversations/{cid}", headers=agent["auth"]).get_json()["status"] == "open"


def test_outsider_is_refused_on_every_conversation_endpoint(client, world, post_webhook):
    outsider = world.agent(teams=("Billing",))
    supervisor = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("secret-1", "My account number is 12345", author="private"))
    conv = client.get("/api/conversations", headers=supervisor["auth"]).get_json()["conversations"][0]
    mid = client.get(f"/api/conversations/{conv['id']}", headers=supervisor["auth"]).get_json()["messages"][
        0
    ]["id"]
    h = outsider["auth"]
    refused = [
        client.get(f"/api/conversations/{conv['id']}", headers=h),
        client.patch(f"/api/conversations/{conv['id']}", json={"labels": ["x"]}, headers=h),
        client.post(f"/api/conversations/{conv['id']}/replies", json={"text": "hi"}, headers=h),
        client.post(
            f"/api/conversations/{conv['id']}/replies", json={"text": "note", "private": True}, headers=h
        ),
        client.put(f"/api/messages/{mid}/sentiment", json={"label": "positive"}, headers=h),
        client.get(f"/api/customers/{conv['customer_id']}", headers=h),
        client.get(f"/api/customers/{conv['customer_id']}/merge-suggestions", headers=h),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    bulk = client.post("/api/conversations/bulk", json={"ids": [conv["id"]], "action": "resolve"}, headers=h)
    assert bulk.get_json()["results"][0]["error"]["code"] == "forbidden"
    # lists and search never show it either
    assert client.get("/api/conversations?status=all", headers=h).get_json()["conversations"] == []
    since = client.get("/api/conversations?updated_since=2000-01-01T00:00:00Z", headers=h).get_json()
    assert since["conversations"] == []
    assert client.get("/api/search?q=account", headers=h).get_json()["conversations"] == []
