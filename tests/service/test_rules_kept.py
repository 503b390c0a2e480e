"""Rules are kept between batches by their stored content: unchanged rules are reused (so the
leaf's preparation is too), and an edit to a rule or to its canned reply acts on the next message."""

from __future__ import annotations

from sqlalchemy import select, update

from inbox.automation import engine as automation
from inbox.store.models import CannedResponse
from tests.service.conftest import message

TAG_ALPHA = {
    "name": "tag alpha",
    "trigger": "message.created",
    "conditions": [{"field": "message.text", "op": "contains", "value": "alpha"}],
    "actions": [{"type": "add_label", "label": "first"}],
}


def _labels(client, auth, author: str) -> list[str]:
    convs = client.get("/api/conversations?status=all", headers=auth).get_json()["conversations"]
    return next(c["labels"] for c in convs if c["subject"].endswith(author))


def test_unchanged_rules_are_the_same_objects_from_batch_to_batch(client, world, inbox):
    sup = world.agent("supervisor")
    assert client.post("/api/rules", json=TAG_ALPHA, headers=sup["auth"]).status_code == 201
    with inbox.unit_of_work() as uow:
        first = automation.load_rules(uow.session, "message.created")
    with inbox.unit_of_work() as uow:
        again = automation.load_rules(uow.session, "message.created")
    assert "tag alpha" in [r.name for r in first]
    assert all(a is b for a, b in zip(first, again, strict=True))


def test_an_edited_rule_acts_on_the_next_message(client, world, post_webhook):
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    rule = client.post("/api/rules", json=TAG_ALPHA, headers=sup["auth"]).get_json()
    post_webhook(channel_id, secret, message("k1", "alpha from a1", author="a1"))
    edited = {**TAG_ALPHA, "actions": [{"type": "add_label", "label": "second"}]}
    assert client.patch(f"/api/rules/{rule['id']}", json=edited, headers=sup["auth"]).status_code == 200
    post_webhook(channel_id, secret, message("k2", "alpha from a2", author="a2"))
    assert (
        client.patch(f"/api/rules/{rule['id']}", json={"enabled": False}, headers=sup["auth"]).status_code
        == 200
    )
    post_webhook(channel_id, secret, message("k3", "alpha from a3", author="a3"))

    assert _labels(client, sup["auth"], "a1") == ["first"]
    assert _labels(client, sup["auth"], "a2") == ["second"]
    assert _labels(client, sup["auth"], "a3") == []


def test_an_edited_canned_reply_is_sent_as_edited(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    with inbox.unit_of_work() as uow:
        uow.session.add(CannedResponse(shortcut="ack", text="Old wording."))
        uow.session.flush()
        canned_id = uow.session.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == "ack"))
    rule = {**TAG_ALPHA, "actions": [{"type": "send_canned", "canned_id": canned_id}]}
    assert client.post("/api/rules", json=rule, headers=sup["auth"]).status_code == 201
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("c1", "alpha from b1", author="b1"))
    with inbox.unit_of_work() as uow:
        uow.session.execute(
            update(CannedResponse).where(CannedResponse.id == canned_id).values(text="New wording.")
        )
    post_webhook(channel_id, secret, message("c2", "alpha from b2", author="b2"))

    convs = client.get("/api/conversations?status=all", headers=sup["auth"]).get_json()["conversations"]
    sent = {}
    for conv in convs:
        detail = client.get(f"/api/conversations/{conv['id']}", headers=sup["auth"]).get_json()
        sent[conv["subject"][-2:]] = [m["text"] for m in detail["messages"] if m["direction"] == "out"]
    assert sent == {"b1": ["Old wording."], "b2": ["New wording."]}
