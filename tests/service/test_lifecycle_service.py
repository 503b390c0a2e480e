"""Lifecycle stages from stored events, transitions with reasons, funnel, values and win-back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from inbox.insights import lifecycle_service
from inbox.store.models import Customer, Identity, LifecycleTransition
from tests.service.conftest import message

ANGRY = "This is terrible, awful service. I hate it!"


def _customer(inbox, handle):
    with inbox.read() as s:
        return s.scalar(select(Identity.customer_id).where(Identity.handle == handle))


def _stage(inbox, cid):
    with inbox.read() as s:
        return s.get(Customer, cid)


def _transitions(inbox, cid):
    with inbox.read() as s:
        return [
            (t.from_stage, t.to_stage, t.reason)
            for t in s.scalars(
                select(LifecycleTransition)
                .where(LifecycleTransition.customer_id == cid)
                .order_by(LifecycleTransition.id)
            )
        ]


def test_stages_follow_events_and_every_transition_has_a_reason(client, world, inbox, post_webhook, clock):
    clock.now_value = datetime(2024, 3, 4, 12, tzinfo=UTC)
    sup = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel()
    post_webhook(
        channel_id, secret, message("m1", "Where is my parcel?", author="ann", created_at=clock().isoformat())
    )
    assert lifecycle_service.refresh_customers(inbox) >= 1
    cid = _customer(inbox, "h_ann")
    assert _stage(inbox, cid).lifecycle_stage == "engagement"
    for i, day in enumerate(("2024-03-01", "2024-03-03")):
        client.post(
            "/api/orders",
            headers=sup["auth"],
            json={
                "orders": [
                    {
                        "order_id": f"o{i}",
                        "customer_id": cid,
                        "amount": "30.00",
                        "currency": "EUR",
                        "ordered_at": day,
                    }
                ]
            },
        )
    cust = _stage(inbox, cid)
    assert cust.lifecycle_stage == "retention" and cust.rfm_segment and cust.clv > 0 and cust.vip
    clock.advance(hours=1)
    for i in range(3):
        post_webhook(
            channel_id, secret, message(f"n{i}", ANGRY, author="ann", created_at=clock().isoformat())
        )
    lifecycle_service.refresh_customers(inbox)
    assert _stage(inbox, cid).lifecycle_stage == "churn_risk"
    steps = _transitions(inbox, cid)
    assert [(a, b) for a, b, _ in steps] == [
        (None, "engagement"),
        ("engagement", "conversion"),
        ("conversion", "retention"),
        ("retention", "churn_risk"),
    ]
    assert "negative messages in the last 30 days" in steps[-1][2] and "message:" in steps[-1][2]
    assert lifecycle_service.refresh_customers(inbox) == 0  # nothing new, nothing stored twice

    funnel = client.get("/api/analytics/funnel?from=2024-03-01&to=2024-03-05", headers=sup["auth"]).get_json()
    reached = {s["stage"]: s["reached"] for s in funnel["steps"]}
    assert reached == {"awareness": 1, "engagement": 1, "conversion": 1, "retention": 1, "loyalty": 0}
    assert funnel["churn_risk_entered"] == 1

    wb = client.get("/api/winback", headers=sup["auth"]).get_json()["customers"]
    assert [c["customer_id"] for c in wb] == [cid]
    assert "negative" in wb[0]["reason"] and wb[0]["conversations"][0]["channel"] == "webhook"
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/winback?format=csv", headers=sup["auth"]).get_data(as_text=True))
        )
    )
    assert rows[0]["customer_id"] == str(cid)
    agent = world.agent()
    assert client.get("/api/winback", headers=agent["auth"]).status_code == 403


def test_inactivity_moves_a_buyer_to_churn_risk_on_the_daily_sweep(world, inbox, post_webhook, clock, client):
    clock.now_value = datetime(2024, 3, 4, 12, tzinfo=UTC)
    sup = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("m1", "Hi", author="bo", created_at=clock().isoformat()))
    cid = _customer(inbox, "h_bo")
    client.post(
        "/api/orders",
        headers=sup["auth"],
        json={
            "orders": [
                {
                    "order_id": "x",
                    "customer_id": cid,
                    "amount": "10.00",
                    "currency": "EUR",
                    "ordered_at": "2024-03-04",
                }
            ]
        },
    )
    lifecycle_service.refresh_customers(inbox)
    assert _stage(inbox, cid).lifecycle_stage == "conversion"
    clock.advance(days=100)
    lifecycle_service.refresh_customers(inbox)
    assert _stage(inbox, cid).lifecycle_stage == "churn_risk"
    assert "no activity for" in _transitions(inbox, cid)[-1][2]
