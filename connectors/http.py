"""One HTTP layer for every HTTP API: timeouts, rate-limit headers, error mapping.

Adapters call `Transport.call(...)` and get parsed JSON plus a `RateLimit`, or one of
the errors in `connectors.errors`. Nothing here sleeps: a 429 becomes
`RateLimited(reset_at)` and the poller decides when to call again. Error messages
name the method, host and path only (tokens live in Telegram paths and Meta queries,
so those parts are masked or dropped).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from connectors.errors import PermanentError, RateLimited, TransientError
from connectors.types import RateLimit

# Rate-limit header names per network (reference §0.2); reset formats differ, see _reset_at.
DIALECTS: dict[str, tuple[str, str, str]] = {
    "mastodon": ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"),  # ISO-8601
    "x": ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),  # epoch s
    "bluesky": ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),  # epoch s
    "reddit": ("", "x-ratelimit-remaining", "x-ratelimit-reset"),  # relative s, float remaining
    "generic": ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),  # relative s (IETF draft)
}
RELATIVE_RESET = {"reddit", "generic"}
DEFAULT_BACKOFF_S = 60.0  # a 429 that says nothing about when to come back
_SECRET_PATH = re.compile(r"/bot[^/]+")


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _num(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str], now: float) -> datetime | None:
    """`Retry-After` as seconds or an HTTP-date (RFC 9110 §10.2.3), as a UTC time."""
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if not value:
        return None
    seconds = _num(value)
    if seconds is not None:
        return _utc(now + max(seconds, 0.0))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _reset_at(dialect: str, raw: str | None, now: float) -> datetime | None:
    if not raw:
        return None
    if dialect == "mastodon":
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    seconds = _num(raw)
    if seconds is None:
        return None
    if dialect in RELATIVE_RESET:
        return _utc(now + seconds)
    return _utc(seconds)


def parse_rate_limit(headers: Mapping[str, str], dialect: str, now: float) -> RateLimit | None:
    """Normalise one network's rate-limit headers; None when the response carries none."""
    h = {k.lower(): v for k, v in headers.items()}
    names = DIALECTS.get(dialect, DIALECTS["generic"])
    limit, remaining = _num(h.get(names[0])) if names[0] else None, _num(h.get(names[1]))
    if dialect == "reddit" and remaining is not None and h.get("x-ratelimit-used"):
        limit = remaining + (_num(h.get("x-ratelimit-used")) or 0)
    reset = _reset_at(dialect, h.get(names[2]), now)
    if limit is None and remaining is None and reset is None:
        return None
    return RateLimit(
        limit=int(limit) if limit is not None else None,
        remaining=int(remaining) if remaining is not None else None,
        reset_at=reset,
    )


def error_message(body: Any) -> str:
    """The human part of any network's error envelope (Mastodon, X, XRPC, Telegram, Graph, Reddit)."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])  # Meta Graph
        if body.get("description"):
            return str(body["description"])  # Telegram
        if body.get("detail") or body.get("title"):
            return str(body.get("detail") or body.get("title"))  # X problem+json
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", errors[0]))  # X v1.1 style
        if body.get("message"):
            return f"{err}: {body['message']}" if isinstance(err, str) else str(body["message"])  # XRPC
        if isinstance(err, str):
            return err + (f" ({body['error_description']})" if body.get("error_description") else "")
    return ""


@dataclass(frozen=True)
class Reply:
    """A successful response: parsed body (None for 204/304), headers and rate-limit view."""

    status: int
    data: Any
    headers: httpx.Headers
    rate_limit: RateLimit | None
    url: str
    content: bytes = b""


class Transport:
    """Calls one network: joins `base_url`, adds default headers, maps failures to errors."""

    def __init__(
        self,
        client: httpx.Client,
        base_url: str,
        dialect: str = "generic",
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.dialect = dialect
        self.headers = dict(headers or {})
        self.clock = clock
        self.timeout = timeout

    def url(self, path: str) -> str:
        """Absolute URLs (from Link headers) pass through; paths are joined to base_url."""
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        data: Any = None,
        content: bytes | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        expect_json: bool = True,
        ok_statuses: tuple[int, ...] = (),
    ) -> Reply:
        """One request. 2xx (and `ok_statuses`, e.g. 304) return; everything else raises."""
        url = self.url(path)
        where = self._where(method, url)
        kwargs: dict[str, Any] = {"params": params, "headers": {**self.headers, **(headers or {})}}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        if content is not None:
            kwargs["content"] = content
        if files is not None:
            kwargs["files"] = files  # multipart/form-data uploads (Telegram sendDocument)
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        try:
            resp = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{where}: timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransientError(f"{where}: connection failed ({type(exc).__name__})") from None
        now = self.clock()
        rate = parse_rate_limit(resp.headers, self.dialect, now)
        if resp.status_code in ok_statuses or 200 <= resp.status_code < 300:
            body = None
            if expect_json and resp.status_code not in (204, 304) and resp.content:
                try:
                    body = resp.json()
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise TransientError(
                        f"{where}: malformed JSON in a {resp.status_code} response"
                    ) from None
            return Reply(resp.status_code, body, resp.headers, rate, str(resp.url), resp.content)
        self._raise(resp, where, rate, now)
        raise AssertionError("unreachable")  # pragma: no cover

    def _where(self, method: str, url: str) -> str:
        parsed = httpx.URL(url)
        return f"{method} {parsed.host}{_SECRET_PATH.sub('/bot***', parsed.path)}"

    def _raise(self, resp: httpx.Response, where: str, rate: RateLimit | None, now: float) -> None:
        try:
            body = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        msg = error_message(body) or resp.reason_phrase or "error"
        if resp.status_code == 429 or _telegram_retry(body) is not None:
            reset = retry_after(resp.headers, now)
            if reset is None and _telegram_retry(body) is not None:
                reset = _utc(now + float(_telegram_retry(body) or 0))
            if reset is None and rate is not None and rate.reset_at is not None:
                reset = rate.reset_at
            if reset is None:
                reset = _utc(now + DEFAULT_BACKOFF_S)
            raise RateLimited(reset, f"{where}: 429 {msg}")
        if resp.status_code >= 500:
            raise TransientError(f"{where}: {resp.status_code} {msg}")
        raise PermanentError(f"{where}: {resp.status_code} {msg}", status=resp.status_code, body=body)


def _telegram_retry(body: Any) -> float | None:
    if isinstance(body, dict) and isinstance(body.get("parameters"), dict):
        value = body["parameters"].get("retry_after")
        return float(value) if isinstance(value, int | float) else None
    return None
