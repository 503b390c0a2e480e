"""SLA: due times from the matching policy, warnings then one breach, exactly once under racing schedulers."""

from __future__ import annotations

import threading

from sqlalchemy import select

from inbox.automation import sla_service
from inbox.automation.rules_service import create_rule
from inbox.store.models import SlaEvent
from tests.service.conftest import message

POLICY = {
    "name": "Standard",
    "first_response_minutes": 30,
    "resolution_minutes": 600,
    "warn_before_minutes": 10,
}


def _conv(client, who):
    return client.get("/api/conversations?status=all", headers=who["auth"]).get_json()["conversations"][0]


def test_policy_api_validates_and_audits(client, world):
    sup, agent = world.agent("supervisor"), world.agent()
    assert client.post("/api/sla/policies", json=POLICY, headers=agent["auth"]).status_code == 403
    bad = client.post(
        "/api/sla/policies", json={**POLICY, "calendar": {"timezone": "Mars/Base"}}, headers=sup["auth"]
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "calendar"
    # a team that does not exist is a 400 naming it, never a foreign-key 500 (found by Schemathesis)
    ghost = client.post("/api/sla/policies", json={**POLICY, "team_id": 100}, headers=sup["auth"])
    assert ghost.status_code == 400 and ghost.get_json()["error"]["field"] == "team_id", ghost.get_json()
    cal = {"timezone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:00"]]}, "holidays": ["2030-12-25"]}
    r = client.post("/api/sla/policies", json={**POLICY, "calendar": cal}, headers=sup["auth"])
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["calendar"]["timezone"] == "Europe/Berlin" and "2030-12-25" in got["calendar"]["holidays"]
    assert got["warn_before_minutes"] == 10
    r = client.patch(
        f"/api/sla/policies/{got['id']}", json={"first_response_minutes": 15}, headers=sup["auth"]
    )
    assert r.get_json()["first_response_minutes"] == 15
    assert [
        p["name"] for p in client.get("/api/sla/policies", headers=sup["auth"]).get_json()["policies"]
    ] == ["Standard"]


def test_due_time_set_on_ingest_then_warning_then_breach_once(client, world, post_webhook, inbox, clock, app):
    sup = world.agent("supervisor")
    client.post("/api/sla/policies", json=POLICY, headers=sup["auth"])
    create_rule(
        inbox,
        sup["id"],
        {
            "name": "breach escalates",
            "trigger": "time.passed",
            "conditions": [{"field": "sla.event", "op": "equals", "value": "breached"}],
            "actions": [{"type": "escalate"}, {"type": "set_priority", "value": 99}],
        },
    )
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("s1", "hello?"))
    conv = _conv(client, sup)
    assert conv["first_response_due_at"] is not None and conv["resolution_due_at"] is not None
    published = []
    inbox.publisher.publish = lambda events: published.extend(events)
    assert sla_service.sla_tick(inbox) == 0
    clock.advance(minutes=21)
    assert sla_service.sla_tick(inbox) == 1
    assert [e.name for e in published] == ["sla.warning"]
    clock.advance(minutes=10)
    assert sla_service.sla_tick(inbox) == 1
    assert sla_service.sla_tick(inbox) == 0
    names = [e.name for e in published]
    assert names == ["sla.warning", "sla.breached", "conversation.escalated"]
    conv = _conv(client, sup)
    assert "escalated" in conv["labels"] and conv["priority"] >= 99
    runs = client.get(f"/api/conversations/{conv['id']}", headers=sup["auth"]).get_json()["rule_runs"]
    assert any(r["trigger"] == "time.passed" and r["rule_name"] == "breach escalates" for r in runs)


def test_reply_meets_first_response_target(client, world, post_webhook, inbox, clock):
    sup = world.agent("supervisor")
    client.post("/api/sla/policies", json={**POLICY, "resolution_minutes": None}, headers=sup["auth"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("s1", "hello?"))
    cid = _conv(client, sup)["id"]
    client.post(f"/api/conversations/{cid}/replies", json={"text": "hi!"}, headers=sup["auth"])
    clock.advance(minutes=45)
    assert sla_service.sla_tick(inbox) == 0  # answered in time: nothing to fire, due time cleared
    assert _conv(client, sup)["first_response_due_at"] is None


def test_breach_fires_once_with_two_schedulers_racing(client, world, post_webhook, inbox, clock):
    sup = world.agent("supervisor")
    client.post("/api/sla/policies", json=POLICY, headers=sup["auth"])
    channel_id, secret = world.webhook_channel("Support")
    for i in range(5):
        post_webhook(channel_id, secret, message(f"r{i}", "anyone?", author=f"a{i}"))
    clock.advance(minutes=31)
    barrier, counts, errors = threading.Barrier(2), [], []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(sla_service.sla_tick(inbox))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert sum(counts) == 5
    with inbox.read() as s:
        assert len(list(s.scalars(select(SlaEvent).where(SlaEvent.event == "breached")))) == 5
