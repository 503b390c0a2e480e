"""The scaled mode's lean webhook path (`web.webhook_wsgi.LeanWebhooks`), on both databases.

It answers the usual delivery before Flask; everything else must reach Flask's view with its body
intact and get exactly the answer it got before. Flask's own app is wrapped to count the requests
it sees, so each test knows which path answered.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from inbox.channels import inbound
from inbox.store.models import InboundDelivery, Message
from tests.service.conftest import message
from web import jobs
from web.limits import MIB
from web.webhook_wsgi import SECURITY_HEADERS, LeanWebhooks, with_query


@pytest.fixture
def lean(app: Any, inbox: Any) -> SimpleNamespace:
    out = SimpleNamespace(woken=[], flask=[], fail_wake=False)
    flask_app = app.wsgi_app

    def counted(environ: dict, start_response: Any) -> Any:
        out.flask.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    def wake(channel_id: int, lanes: tuple[int, ...]) -> None:
        if out.fail_wake:
            out.fail_wake = False  # once: as a Redis that came back for Flask's try
            raise ConnectionError("redis is down")
        out.woken.append((channel_id, lanes))

    app.extensions["murmur.lanes"] = wake  # Flask's view takes the scaled branch too
    app.wsgi_app = LeanWebhooks(counted, inbox, wake)
    return out


def waiting(inbox: Any) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(InboundDelivery))


def stored(inbox: Any) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_a_delivery_is_recorded_and_answered_202_without_flask(inbox, world, post_webhook, lean):
    channel, secret = world.webhook_channel()
    res = post_webhook(channel, secret, message("l-1", author="7"))
    assert res.status_code == 202 and res.get_json() == {"queued": 1, "duplicates": 0, "rejected": []}
    assert res.headers["Content-Type"] == "application/json"
    for name, value in SECURITY_HEADERS:
        assert res.headers[name] == value
    assert lean.flask == [] and lean.woken == [(channel, (inbound.lane_of("l-1"),))]
    assert waiting(inbox) == 1 and stored(inbox) == 0  # answered before any ingest

    again = post_webhook(channel, secret, message("l-1", author="7"))  # the sender retries
    assert again.status_code == 202 and again.get_json() == {"queued": 0, "duplicates": 1, "rejected": []}
    assert lean.flask == [] and len(lean.woken) == 2 and waiting(inbox) == 1

    assert jobs.drain_inbound(inbox) == 1
    assert stored(inbox) == 1 and waiting(inbox) == 0


def test_the_lean_receipt_is_flasks_receipt(app, inbox, world, post_webhook, lean):
    channel, secret = world.webhook_channel()
    batch = [message("r-1", author="1"), {"id": "r-bad", "author": {"id": "2"}}, message("r-2", author="3")]
    fast = post_webhook(channel, secret, batch)
    app.wsgi_app = app.wsgi_app.app  # Flask alone (still counted)
    slow = post_webhook(channel, secret, [dict(m, id=f"{m['id']}-f") for m in batch])
    assert lean.flask == [f"/api/channels/{channel}/webhook"]  # only the second went through Flask
    assert fast.status_code == slow.status_code == 202
    assert fast.get_json() == slow.get_json()
    assert fast.get_json()["queued"] == 2 and fast.get_json()["rejected"][0]["index"] == 1
    for name, _ in (*SECURITY_HEADERS, ("Content-Type", "")):
        assert fast.headers[name] == slow.headers[name]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("bad signature", 401, "bad_signature"),
        ("unknown channel", 404, "not_found"),
        ("malformed", 400, "invalid"),
        ("too large for its kind", 413, "too_large"),
    ],
)
def test_a_delivery_that_fails_is_answered_by_flask_as_before(
    inbox, world, post_webhook, lean, case, status, code
):
    channel, secret = world.webhook_channel()
    payload: Any = message("e-1")
    raw = None
    if case == "bad signature":
        secret = "not the secret"
    elif case == "unknown channel":
        channel += 1000
    elif case == "malformed":
        payload = {"id": "e-1", "text": "hi", "author": {"id": "u1"}}  # no handle
    else:  # over the webhook kind's 2 MiB, under the largest kind's 4 MiB: read, then refused
        raw = json.dumps({**message("e-1"), "pad": "x" * (2 * MIB + 10)}).encode()
    res = post_webhook(channel, secret, payload, raw=raw)
    assert res.status_code == status
    assert res.get_json()["error"]["code"] == code
    assert lean.flask == [f"/api/channels/{channel}/webhook"]  # Flask's view got the body and answered
    assert waiting(inbox) == 0 and lean.woken == []
    if status == 413:
        assert res.headers["Connection"] == "close"


def test_a_failure_after_recording_leaves_one_row_and_flask_answers(inbox, world, post_webhook, lean):
    channel, secret = world.webhook_channel()
    lean.fail_wake = True
    res = post_webhook(channel, secret, message("f-1", author="7"))
    # Flask's view ran the delivery again: recorded once, counted there as waiting, lane woken
    assert res.status_code == 202 and res.get_json() == {"queued": 0, "duplicates": 1, "rejected": []}
    assert lean.flask == [f"/api/channels/{channel}/webhook"]
    assert waiting(inbox) == 1 and lean.woken == [(channel, (inbound.lane_of("f-1"),))]


def test_other_requests_pass_through(client, world, lean):
    channel, _ = world.webhook_channel()
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/api/channels/{channel}/webhook").status_code in (400, 403)  # the handshake
    assert lean.flask == ["/healthz", f"/api/channels/{channel}/webhook"]


def test_the_query_string_reaches_the_connector_under_its_header():
    headers = with_query({"X-Murmur-Query": "forged", "Host": "h"}, "signature=abc&nonce=1")
    assert headers == {"Host": "h", "X-Murmur-Query": "signature=abc&nonce=1"}
