"""Outbound webhooks: signed like inbound ones, retried with backoff, logged, replayable."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from connectors.webhook import verify
from inbox.automation.rules_service import create_rule
from inbox.channels import webhooks_out
from tests.service.conftest import message


@pytest.fixture
def receiver():
    got, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            code = answers.pop(0) if answers else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok" if code == 200 else b"try later")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got, answers
    server.shutdown()


def test_rule_notify_is_signed_retried_and_logged(client, world, post_webhook, inbox, clock, receiver):
    url, got, answers = receiver
    sup = world.agent("supervisor")
    create_rule(
        inbox,
        sup["id"],
        {
            "name": "tell ops",
            "trigger": "message.created",
            "conditions": [{"field": "message.text", "op": "contains", "value": "outage"}],
            "actions": [{"type": "notify", "channel": "webhook", "url": url}],
        },
    )
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("o1", "is there an outage?"))
    answers.append(503)
    assert webhooks_out.deliver_due(inbox) == 1
    d = client.get("/api/webhooks/deliveries", headers=sup["auth"]).get_json()["deliveries"][0]
    assert d["status"] == "queued" and d["response_status"] == 503 and d["attempts"] == 1
    assert webhooks_out.deliver_due(inbox) == 0  # backing off
    clock.advance(minutes=2)
    assert webhooks_out.deliver_due(inbox) == 1
    d = client.get("/api/webhooks/deliveries", headers=sup["auth"]).get_json()["deliveries"][0]
    assert d["status"] == "sent" and [x["status"] for x in d["log"]] == [503, 200]
    headers, body = got[-1]
    verify(webhooks_out.rule_secret(inbox.secret_key), headers, body, clock().timestamp())
    assert json.loads(body)["rule"] == "tell ops"


def test_subscription_gets_sla_events_and_replay(client, world, post_webhook, inbox, clock, receiver):
    from inbox.automation import sla_service

    url, got, _ = receiver
    sup = world.agent("supervisor")
    agent = world.agent()
    assert (
        client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=agent["auth"]).status_code
        == 403
    )
    sub = client.post(
        "/api/webhooks", json={"name": "ops", "url": url, "events": ["sla.breached"]}, headers=sup["auth"]
    ).get_json()
    client.post("/api/sla/policies", json={"name": "fast", "first_response_minutes": 5}, headers=sup["auth"])
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("b1", "hello"))
    clock.advance(minutes=6)
    sla_service.sla_tick(inbox)
    assert webhooks_out.deliver_due(inbox) == 1
    headers, body = got[-1]
    verify(sub["secret"], headers, body, clock().timestamp())
    assert json.loads(body)["event"] == "sla.breached"
    first = client.get("/api/webhooks/deliveries", headers=sup["auth"]).get_json()["deliveries"][0]
    r = client.post(f"/api/webhooks/deliveries/{first['id']}/replay", headers=sup["auth"])
    assert r.status_code == 201
    assert webhooks_out.deliver_due(inbox) == 1
    assert json.loads(got[-1][1])["replay_of"] == first["id"]


def test_receiver_rejecting_permanently_fails_without_retry(client, world, inbox, receiver):
    url, _, answers = receiver
    sup = world.agent("supervisor")
    client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=sup["auth"])
    from inbox.store.events import Event

    with inbox.unit_of_work() as uow:
        webhooks_out.queue_events(
            uow.session, [Event("sla.breached", {"conversation": {"id": None}}, ())], inbox.clock()
        )
    answers.append(410)
    webhooks_out.deliver_due(inbox)
    d = client.get("/api/webhooks/deliveries", headers=sup["auth"]).get_json()["deliveries"][0]
    assert d["status"] == "failed" and d["error"] == "HTTP 410"
