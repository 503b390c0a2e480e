from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from connectors.errors import PermanentError, RateLimited, TransientError
from connectors.http import Transport, parse_rate_limit, retry_after

NOW = 1_772_619_330.0


@pytest.mark.parametrize(
    "dialect, headers, limit, remaining, reset",
    [
        (
            "x",
            {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "3", "x-rate-limit-reset": "1772620000"},
            450,
            3,
            1772620000,
        ),
        (
            "mastodon",
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "2026-03-04T10:20:00.000000Z",
            },
            300,
            0,
            datetime(2026, 3, 4, 10, 20, tzinfo=UTC).timestamp(),
        ),
        (
            "reddit",
            {"x-ratelimit-remaining": "596.0", "x-ratelimit-used": "4", "x-ratelimit-reset": "116"},
            600,
            596,
            NOW + 116,
        ),
        (
            "bluesky",
            {
                "RateLimit-Limit": "3000",
                "RateLimit-Remaining": "1",
                "RateLimit-Reset": "1772620100",
                "RateLimit-Policy": "3000;w=300",
            },
            3000,
            1,
            1772620100,
        ),
    ],
)
def test_rate_limit_dialects(dialect, headers, limit, remaining, reset):
    rl = parse_rate_limit(headers, dialect, NOW)
    assert (rl.limit, rl.remaining, rl.reset_at.timestamp()) == (limit, remaining, reset)


def test_retry_after_seconds_and_http_date_and_absent():
    assert retry_after({"Retry-After": "30"}, NOW).timestamp() == NOW + 30
    assert retry_after({"retry-after": "Wed, 04 Mar 2026 10:20:00 GMT"}, NOW) == datetime(
        2026, 3, 4, 10, 20, tzinfo=UTC
    )
    assert retry_after({}, NOW) is None and parse_rate_limit({}, "x", NOW) is None


def transport(status, body=b"", headers=None, exc=None):
    def handler(request):
        if exc:
            raise exc
        return httpx.Response(status, content=body, headers=headers or {"Content-Type": "application/json"})

    return Transport(
        httpx.Client(transport=httpx.MockTransport(handler)),
        "https://api.telegram.org/botSECRET123",
        "x",
        clock=lambda: NOW,
    )


@pytest.mark.parametrize(
    "status, body, headers, error, text",
    [
        (
            429,
            b'{"title":"Too Many Requests"}',
            {"x-rate-limit-reset": "1772620000"},
            RateLimited,
            "Too Many",
        ),
        (
            429,
            b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}',
            {},
            RateLimited,
            "retry after 7",
        ),
        (503, b"<html>down</html>", {}, TransientError, "503"),
        (401, b'{"error":"The access token is invalid"}', {}, PermanentError, "access token is invalid"),
        (
            400,
            b'{"error":{"message":"Invalid OAuth access token.","code":190}}',
            {},
            PermanentError,
            "Invalid OAuth",
        ),
        (200, b'{"truncated": [1', {}, TransientError, "malformed JSON"),
    ],
)
def test_error_mapping_names_the_cause_but_never_the_token(status, body, headers, error, text):
    with pytest.raises(error) as err:
        transport(status, body, headers).call("GET", "/getUpdates")
    assert text in str(err.value) and "SECRET123" not in str(err.value)
    if status == 429 and "retry_after" in body.decode():
        assert err.value.reset_at.timestamp() == NOW + 7


def test_timeouts_and_connection_errors_are_transient():
    for exc in (httpx.ReadTimeout("slow"), httpx.ConnectError("refused")):
        with pytest.raises(TransientError):
            transport(200, exc=exc).call("GET", "/x")
