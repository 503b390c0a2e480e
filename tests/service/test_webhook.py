"""The generic signed webhook: stored exactly once, bad signatures and bodies refused, nothing lost."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from inbox.store.models import Customer, Identity, Message
from tests.service.conftest import message


def count(inbox, model=Message) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_signed_message_is_stored_and_scored(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, message("m1", "This is the worst service, I want a refund now"))
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["stored"] == 1
    with inbox.read() as s:
        msg = s.scalar(select(Message))
        assert msg.external_id == "m1"
        assert msg.sentiment < 0 and msg.sentiment_label == "negative"
        assert msg.language == "en"


def test_repeated_delivery_is_stored_once(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    first = post_webhook(channel_id, secret, message("dup-1"))
    again = post_webhook(channel_id, secret, message("dup-1"))
    batch = post_webhook(channel_id, secret, [message("dup-1"), message("dup-2"), message("dup-2")])
    assert first.status_code == again.status_code == batch.status_code == 200
    assert again.get_json() == {"stored": 0, "duplicates": 1, "message_ids": [], "rejected": []}
    assert batch.get_json()["stored"] == 1
    assert count(inbox) == 2


def test_bad_signature_is_refused_and_stores_nothing(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, "not-the-secret", message("m1"))
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "bad_signature"
    assert count(inbox) == 0 and count(inbox, Customer) == 0 and count(inbox, Identity) == 0


def test_a_rotated_secret_takes_effect_on_the_next_delivery(world, inbox, post_webhook):
    """Decrypted secrets are kept by their ciphertext: the old secret must stop working at once."""
    from inbox.channels.accounts import update_channel

    channel_id, old = world.webhook_channel()
    assert post_webhook(channel_id, old, message("r1")).status_code == 200
    update_channel(inbox, None, channel_id, {"secrets": {"webhook_secret": "a brand new secret"}})
    assert post_webhook(channel_id, old, message("r2")).status_code == 401
    assert post_webhook(channel_id, "a brand new secret", message("r3")).status_code == 200
    assert count(inbox) == 2


def test_missing_signature_is_refused(world, inbox, client):
    channel_id, _ = world.webhook_channel()
    res = client.post(f"/api/channels/{channel_id}/webhook", json=message("m1"))
    assert res.status_code == 401
    assert count(inbox) == 0


def test_stale_timestamp_is_refused(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, message("m1"), ts=int(time.time()) - 301)
    assert res.status_code == 401
    assert count(inbox) == 0


def test_body_tampered_after_signing_is_refused(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    import json

    from connectors.webhook import sign

    body = json.dumps(message("m1")).encode()
    headers = sign(secret, body, int(time.time()))
    res = post_webhook(channel_id, secret, None, raw=body.replace(b"m1", b"m2"), headers=headers)
    assert res.status_code == 401
    assert count(inbox) == 0


def test_malformed_body_names_the_bad_field(world, inbox, post_webhook):
    channel_id, secret = world.webhook_channel()
    res = post_webhook(channel_id, secret, {"id": "m1", "text": "hi", "author": {"id": "u1"}})
    assert res.status_code == 400
    err = res.get_json()["error"]
    assert "author.handle" in err["message"] and err["field"].endswith("author.handle")
    res = post_webhook(channel_id, secret, None, raw=b"{not json")
    assert res.status_code == 400
    assert count(inbox) == 0


def test_unknown_channel_is_404(post_webhook):
    assert post_webhook(999, "x", message("m1")).status_code == 404


def test_same_author_across_channels_is_one_customer(world, inbox, post_webhook):
    a_id, a_secret = world.webhook_channel()
    b_id, b_secret = world.webhook_channel()
    post_webhook(a_id, a_secret, message("a1", author="same"))
    post_webhook(b_id, b_secret, message("b1", author="same"))
    assert count(inbox, Customer) == 1
    assert count(inbox) == 2


def test_default_legal_threat_rule_escalates_in_three_languages(world, client, post_webhook):
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("l1", "Refund me or I will talk to my lawyer", author="a"))
    post_webhook(channel_id, secret, message("l2", "再不退款我就找律师起诉你们", author="b"))
    post_webhook(channel_id, secret, message("l3", "ถ้าไม่คืนเงินจะฟ้องศาล", author="c"))
    post_webhook(channel_id, secret, message("l4", "Is the legal notice on your site current?", author="d"))
    convs = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"]
    by_author = {c["customer_name"]: c for c in convs}
    for name in ("User a", "User b", "User c"):
        assert {"legal", "escalated"} <= set(by_author[name]["labels"]), name
        assert by_author[name]["priority"] >= 90
    assert "legal" not in by_author["User d"]["labels"]
    detail = client.get(f"/api/conversations/{by_author['User a']['id']}", headers=sup["auth"]).get_json()
    assert detail["rule_runs"][0]["rule_name"] == "Legal threat"
    assert detail["rule_runs"][0]["matched"][0]["field"] == "message.text"


def test_rules_see_open_conversations_last_csat_and_business_hours(world, client, post_webhook, inbox):
    from inbox.store.models import Rule

    with inbox.unit_of_work() as uow:
        uow.session.add(
            Rule(
                name="Busy customer",
                trigger="message.created",
                position=9,
                conditions=[
                    {"field": "customer.open_conversations", "op": "gte", "value": 2},
                    {"field": "time.business_hours", "op": "equals", "value": True},
                ],
                actions=[{"type": "add_label", "label": "busy"}],
            )
        )
    sup = world.agent("supervisor")
    a_id, a_secret = world.webhook_channel()
    post_webhook(a_id, a_secret, message("o1", "first question", author="same", thread="t1"))
    post_webhook(a_id, a_secret, message("o2", "second question", author="same", thread="t2"))
    convs = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"]
    labels = {c["subject"]: c["labels"] for c in convs}
    assert "busy" not in labels["first question"]  # one open conversation then
    assert "busy" in labels["second question"]  # no SLA policy: 24/7 business hours
