"""Rules API: CRUD with validation and audit, supervisors only, dry run, and why a rule fired."""

from __future__ import annotations

from sqlalchemy import select

from inbox.store.models import AuditLog, CannedResponse, Message
from tests.service.conftest import message

ANGRY_BIG = {
    "name": "Angry and loud",
    "trigger": "message.created",
    "conditions": [
        {"field": "message.text", "op": "contains", "value": "refund"},
        {"field": "author.followers", "op": "gte", "value": 10000},
    ],
    "actions": [
        {"type": "set_priority", "value": 95},
        {"type": "add_label", "label": "loud"},
        {"type": "escalate"},
    ],
}


def test_agents_may_not_manage_rules(client, world):
    agent = world.agent()
    assert client.get("/api/rules", headers=agent["auth"]).status_code == 403
    assert client.post("/api/rules", json=ANGRY_BIG, headers=agent["auth"]).status_code == 403
    assert client.post("/api/rules/preview", json=ANGRY_BIG, headers=agent["auth"]).status_code == 403


def test_create_update_delete_are_audited(client, world, inbox):
    sup = world.agent("supervisor")
    r = client.post("/api/rules", json=ANGRY_BIG, headers=sup["auth"])
    assert r.status_code == 201, r.get_json()
    rule = r.get_json()
    assert rule["enabled"] is True and "refund" in rule["description"]
    r = client.patch(f"/api/rules/{rule['id']}", json={"enabled": False}, headers=sup["auth"])
    assert r.status_code == 200 and r.get_json()["enabled"] is False
    names = [x["name"] for x in client.get("/api/rules", headers=sup["auth"]).get_json()["rules"]]
    assert "Angry and loud" in names
    assert client.delete(f"/api/rules/{rule['id']}", headers=sup["auth"]).status_code == 204
    with inbox.read() as s:
        actions = [
            a for a in s.scalars(select(AuditLog.action).where(AuditLog.target == f"rule:{rule['id']}"))
        ]
    assert actions == ["rule.created", "rule.updated", "rule.deleted"]


def test_validation_errors_name_the_path(client, world):
    sup = world.agent("supervisor")
    bad = {
        **ANGRY_BIG,
        "conditions": [
            ANGRY_BIG["conditions"][0],
            {"field": "author.followers", "op": "gte", "value": "many"},
        ],
        "actions": [{"type": "set_priority", "value": 300}],
    }
    r = client.post("/api/rules", json=bad, headers=sup["auth"])
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["field"] == "conditions[1].value"
    assert {e["path"] for e in err["errors"]} == {"conditions[1].value", "actions[0].value"}
    r = client.post(
        "/api/rules",
        json={**ANGRY_BIG, "conditions": [{"field": "nope", "op": "equals", "value": 1}]},
        headers=sup["auth"],
    )
    assert r.get_json()["error"]["field"] == "conditions[0].field"


def test_reorder(client, world):
    sup = world.agent("supervisor")
    ids = [r["id"] for r in client.get("/api/rules", headers=sup["auth"]).get_json()["rules"]]
    new = client.post("/api/rules", json=ANGRY_BIG, headers=sup["auth"]).get_json()["id"]
    order = [new, *ids]
    got = client.put("/api/rules/order", json={"ids": order}, headers=sup["auth"]).get_json()["rules"]
    assert [r["id"] for r in got] == order
    assert (
        client.put("/api/rules/order", json={"ids": [new]}, headers=sup["auth"]).status_code == 400 or not ids
    )


def test_preview_matches_without_writing(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("p1", "I want a refund now", author="big", followers=50_000))
    post_webhook(channel_id, secret, message("p2", "I want a refund", author="small", followers=10))
    post_webhook(channel_id, secret, message("p3", "thanks!", author="big2", followers=50_000))
    with inbox.read() as s:
        before = (s.scalar(select(Message.id).order_by(Message.id.desc())), s.query(AuditLog).count())
    r = client.post("/api/rules/preview", json={**ANGRY_BIG, "limit": 10}, headers=sup["auth"])
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["checked"] == 3 and out["matched"] == 1
    match = out["matches"][0]
    assert match["text"] == "I want a refund now"
    assert {m["field"] for m in match["matched"]} == {"message.text", "author.followers"}
    assert [a["type"] for a in match["actions"]] == ["set_priority", "add_label", "escalate"]
    with inbox.read() as s:
        assert (s.scalar(select(Message.id).order_by(Message.id.desc())), s.query(AuditLog).count()) == before
    bad = client.post("/api/rules/preview", json={**ANGRY_BIG, "actions": []}, headers=sup["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "actions"


def test_rule_fires_on_message_and_says_why(client, world, post_webhook):
    sup = world.agent("supervisor")
    client.post("/api/rules", json=ANGRY_BIG, headers=sup["auth"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("w1", "Refund me or else", author="loud", followers=20_000))
    conv = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"][0]
    assert "loud" in conv["labels"] and "escalated" in conv["labels"]
    assert conv["priority"] >= 95
    detail = client.get(f"/api/conversations/{conv['id']}", headers=sup["auth"]).get_json()
    run = next(r for r in detail["rule_runs"] if r["rule_name"] == "Angry and loud")
    assert {m["field"] for m in run["matched"]} == {"message.text", "author.followers"}
    assert [a["type"] for a in run["actions"]] == ["set_priority", "add_label", "escalate"]


def test_every_action_type_is_applied(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    target = world.agent(teams=("Billing",))
    with inbox.unit_of_work() as uow:
        uow.session.add(CannedResponse(shortcut="thanks", text="Thanks, we are on it."))
        uow.session.flush()
        canned_id = uow.session.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == "thanks"))
    billing = world.team_id("Billing")
    rule = {
        "name": "everything",
        "trigger": "message.created",
        "conditions": [{"field": "message.text", "op": "contains", "value": "everything"}],
        "actions": [
            {"type": "add_label", "label": "a"},
            {"type": "add_label", "label": "b"},
            {"type": "remove_label", "label": "b"},
            {"type": "assign_team", "team_id": billing},
            {"type": "assign_agent", "agent_id": target["id"]},
            {"type": "notify", "channel": "in_app", "message": "look"},
            {"type": "notify", "channel": "webhook", "url": "http://127.0.0.1:9/hook"},
            {"type": "send_canned", "canned_id": canned_id},
            {"type": "snooze", "minutes": 30},
        ],
    }
    assert client.post("/api/rules", json=rule, headers=sup["auth"]).status_code == 201
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("e1", "everything at once"))
    conv = client.get("/api/conversations?status=all", headers=sup["auth"]).get_json()["conversations"][0]
    assert conv["labels"] == ["a"] and conv["team_id"] == billing and conv["assignee_id"] == target["id"]
    assert conv["status"] == "snoozed"
    detail = client.get(f"/api/conversations/{conv['id']}", headers=sup["auth"]).get_json()
    assert any(
        m["text"] == "Thanks, we are on it." and m["direction"] == "out" for m in detail["messages"]
    ), detail["messages"]
    run = next(r for r in detail["rule_runs"] if r["rule_name"] == "everything")
    assert len(run["actions"]) == len(rule["actions"])
    from inbox.channels.webhooks_out import queue_rule_notifications

    with inbox.unit_of_work() as uow:
        assert queue_rule_notifications(uow.session) == 1
    with inbox.unit_of_work() as uow:
        assert queue_rule_notifications(uow.session) == 0  # once, however often the job runs
    deliveries = client.get("/api/webhooks/deliveries", headers=sup["auth"]).get_json()["deliveries"]
    assert deliveries[0]["url"] == "http://127.0.0.1:9/hook" and deliveries[0]["event"] == "rule.notify"


def test_vocabulary_lists_fields_and_actions(client, world):
    sup = world.agent("supervisor")
    v = client.get("/api/rules/vocabulary", headers=sup["auth"]).get_json()
    assert any(f["name"] == "message.sentiment" and "lt" in f["operators"] for f in v["fields"])
    assert {a["type"] for a in v["actions"]} >= {"set_priority", "escalate", "notify", "resolve"}


def test_conversation_updated_rules_fire_on_changes_with_changed_to(client, world, post_webhook):
    sup = world.agent("supervisor")
    rule = {
        "name": "Reopened by an agent",
        "trigger": "conversation.updated",
        "match": "all",
        "conditions": [{"field": "conversation.status", "op": "changed_to", "value": "pending"}],
        "actions": [{"type": "add_label", "label": "follow-up"}, {"type": "set_priority", "value": 70}],
    }
    assert client.post("/api/rules", json={**rule, "enabled": True}, headers=sup["auth"]).status_code == 201
    channel_id, secret = world.webhook_channel()
    from tests.service.conftest import message

    post_webhook(channel_id, secret, message("cu1", "hello"))
    cid = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"][0]["id"]
    labelled = client.patch(
        f"/api/conversations/{cid}", json={"labels": ["x"]}, headers=sup["auth"]
    ).get_json()
    assert "follow-up" not in labelled["labels"]  # status did not change to pending
    got = client.patch(
        f"/api/conversations/{cid}", json={"status": "pending"}, headers=sup["auth"]
    ).get_json()
    assert "follow-up" in got["labels"] and got["priority"] >= 70
    runs = client.get(f"/api/conversations/{cid}", headers=sup["auth"]).get_json()["rule_runs"]
    assert runs[-1]["rule_name"] == "Reopened by an agent" and runs[-1]["trigger"] == "conversation.updated"
    again = client.patch(
        f"/api/conversations/{cid}", json={"status": "pending"}, headers=sup["auth"]
    ).get_json()
    assert again["labels"].count("follow-up") == 1  # no change to pending this time: no second firing
