from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from connectors import registry
from connectors.errors import PayloadError, PermanentError, SignatureError
from connectors.types import OutboundReply
from connectors.webhook import sign

SECRET = "s3cret-key"
NOW = 1_772_619_330


def conn(**settings):
    return registry.create("webhook", settings, {"webhook_secret": SECRET})


def body(**over):
    msg = {"id": "ext-1", "text": "where is my order?", "author": {"id": "u1", "handle": "dana"}}
    msg.update(over)
    return json.dumps(msg).encode()


def test_signed_message_is_parsed_with_defaults():
    raw = body()
    [m] = conn().parse_webhook(sign(SECRET, raw, NOW), raw, now=NOW)
    assert (m.channel, m.external_id, m.thread_key, m.author.handle, m.public) == (
        "webhook",
        "ext-1",
        "ext-1",
        "dana",
        True,
    )
    assert m.created_at == datetime.fromtimestamp(NOW, UTC)


def test_private_message_threads_by_author_and_all_fields_pass_through():
    raw = body(
        public=False,
        created_at="2026-03-04T10:15:29Z",
        html="<p>hi</p>",
        lang="th",
        in_reply_to="x0",
        url="https://e.example/1",
        author={
            "id": "u1",
            "handle": "dana",
            "name": "Dana",
            "followers": 5,
            "verified": True,
            "email": "d@example.com",
        },
    )
    [m] = conn().parse_webhook(sign(SECRET, raw, NOW), raw, now=NOW)
    assert m.thread_key == "u1" and m.language_hint == "th" and m.html == "<p>hi</p>"
    assert m.author.email == "d@example.com" and m.author.followers == 5 and m.author.verified
    assert m.created_at == datetime(2026, 3, 4, 10, 15, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Murmur-Timestamp": str(NOW)},
        {"X-Murmur-Timestamp": str(NOW), "X-Murmur-Signature": "sha256=00"},
        sign("wrong", body(), NOW),
        sign(SECRET, body(), NOW - 301),
        sign(SECRET, body(), NOW + 301),
        {**sign(SECRET, body(), NOW), "X-Murmur-Timestamp": "soon"},
    ],
)
def test_bad_signature_or_stale_timestamp_is_refused(headers):
    with pytest.raises(SignatureError):
        conn().parse_webhook(headers, body(), now=NOW)


def test_tampered_body_is_refused_and_headers_are_case_insensitive():
    headers = {k.lower(): v for k, v in sign(SECRET, body(), NOW).items()}
    assert conn().parse_webhook(headers, body(), now=NOW)
    with pytest.raises(SignatureError):
        conn().parse_webhook(headers, body(text="changed"), now=NOW)


@pytest.mark.parametrize(
    "raw, field",
    [
        (b"{not json", "body"),
        (json.dumps({"text": "x", "author": {"id": "u", "handle": "h"}}).encode(), "id"),
        (json.dumps({"id": "1", "author": {"id": "u", "handle": "h"}}).encode(), "text"),
        (json.dumps({"id": "1", "text": "x"}).encode(), "author"),
        (json.dumps({"id": "1", "text": "x", "author": {"id": "u"}}).encode(), "author.handle"),
        (
            json.dumps(
                {"id": "1", "text": "x", "author": {"id": "u", "handle": "h", "followers": "many"}}
            ).encode(),
            "author.followers",
        ),
        (
            json.dumps(
                {"id": "1", "text": "x", "author": {"id": "u", "handle": "h"}, "created_at": "yesterday"}
            ).encode(),
            "created_at",
        ),
        (
            json.dumps(
                {"id": "1", "text": "x", "author": {"id": "u", "handle": "h"}, "public": "yes"}
            ).encode(),
            "public",
        ),
        (
            json.dumps(
                {
                    "messages": [
                        {"id": "1", "text": "x", "author": {"id": "u", "handle": "h"}},
                        {"id": "2", "text": "y", "author": {"id": "u"}},
                    ]
                }
            ).encode(),
            "messages[1].author.handle",
        ),
    ],
)
def test_malformed_payload_names_the_field(raw, field):
    with pytest.raises(PayloadError) as err:
        conn().parse_webhook(sign(SECRET, raw, NOW), raw, now=NOW)
    assert err.value.field == field
    assert str(err.value).startswith(field + ": ")


def test_batches_as_array_or_messages_object():
    items = [json.loads(body(id=str(i))) for i in range(3)]
    for raw in (json.dumps(items).encode(), json.dumps({"messages": items}).encode()):
        got = conn().parse_webhook(sign(SECRET, raw, NOW), raw, now=NOW)
        assert [m.external_id for m in got] == ["0", "1", "2"]


def test_missing_secret_is_a_settings_error():
    with pytest.raises(PayloadError) as err:
        registry.create("webhook", {}, {})
    assert err.value.field == "secrets.webhook_secret"


def test_reply_is_posted_signed_to_reply_url():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "remote-9"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    c = registry.create(
        "webhook",
        {"reply_url": "http://127.0.0.1:9/replies"},
        {"webhook_secret": SECRET},
        http=client,
        clock=lambda: NOW,
    )
    got = c.send_reply(OutboundReply(channel="webhook", thread_key="t", text="hello", in_reply_to="ext-1"))
    assert got == "remote-9"
    req = seen[0]
    assert req.headers["X-Murmur-Signature"] == sign(SECRET, req.content, NOW)["X-Murmur-Signature"]
    assert json.loads(req.content)["text"] == "hello"


def test_reply_without_reply_url_is_permanent_and_secret_never_in_repr():
    c = conn()
    with pytest.raises(PermanentError):
        c.send_reply(OutboundReply(channel="webhook", thread_key="t", text="x"))
    assert SECRET not in repr(c)
