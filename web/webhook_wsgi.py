"""The scaled mode's webhook receipt as a plain WSGI path, in front of Flask.

A scaled web process answers every pushed delivery with 202 once it is verified and recorded:
two statements and one Redis call. Flask's request machinery around them (the request context,
URL matching, the before-request hooks for limits, sign-in and rate limits, the session, Babel,
the response object and its after-request hooks) was about 40% of that 202's CPU in process.
`LeanWebhooks` answers the usual delivery itself: `POST /api/channels/<id>/webhook` with a
declared Content-Length within the largest webhook limit. It reads the body, verifies and
records it (`inbound.receive`), wakes the lanes and writes the same receipt Flask would
(`{"queued", "duplicates", "rejected"}`, the same status, the same security headers).

Everything else, and every delivery that does not end in a receipt, goes to Flask untouched:
a body over its kind's limit, a bad signature, an unknown channel, a delivery with nothing to
store, a failure anywhere. Such a delivery reaches Flask with the body it already read (put back
as the request's input), so Flask's view answers it exactly as before: the same error document,
in the reader's language, the same 4xx. Recording is idempotent (a waiting external id records
nothing new), so a delivery that fails after its INSERT (Redis down when waking the lanes, say)
and goes to Flask is recorded once, and Flask's own answer (an error or a receipt counting it
as a duplicate) is what the sender sees; it is safe either way.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from werkzeug.datastructures import EnvironHeaders

from connectors import registry
from inbox.channels import inbound, signals
from inbox.channels.accounts import rejected_dict
from inbox.store.context import Inbox
from inbox.store.limits import INT32_MAX
from web.limits import WEBHOOK_MAX, webhook_limit

log = logging.getLogger("murmur.webhook")

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
_PATH = re.compile(r"/api/channels/([0-9]{1,10})/webhook")
QUERY_HEADER = "X-Murmur-Query"
# What every answer of the app carries (`web.app`'s after-request hook sets the same).
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
_STATUS = {200: "200 OK", 202: "202 ACCEPTED"}


def with_query(headers: dict[str, str], query_string: str) -> dict[str, str]:
    """The request's headers plus its query string under X-Murmur-Query (WeChat signs with query
    parameters; connectors see headers and body only). Whatever a caller sent under that name
    is replaced, so it always holds this request's own query."""
    out = {k: v for k, v in headers.items() if k.lower() != QUERY_HEADER.lower()}
    out[QUERY_HEADER] = query_string
    return out


@dataclass(frozen=True)
class Receipt:
    """What a scaled receipt answers: `answer` (a network's text, WeChat's "success") when the
    kind declares one, else `document`, the JSON `{"duplicates", "queued", "rejected"}`."""

    status: int
    answer: str | None
    document: dict[str, Any]


def accept(
    inbox: Inbox,
    channel_id: int,
    headers: Mapping[str, str],
    raw_body: bytes | Callable[[str], bytes],
    wake: Callable[[int, tuple[int, ...]], None],
) -> Receipt:
    """Scaled mode's receipt of a pushed delivery: verify and record it (`inbound.receive`), wake
    its lanes, apply its statuses and handles, and say what to answer. The lean path and Flask's
    view both call this, so the two cannot drift apart; each only renders the `Receipt`. Errors
    (bad signature, unknown channel, nothing storable) propagate for Flask's view to answer."""
    delivery, recorded = inbound.receive(inbox, channel_id, headers, raw_body)
    wake(channel_id, recorded.lanes)
    signals.apply(inbox, channel_id, delivery.handles, delivery.statuses)
    connector = registry.get(delivery.kind)
    answer = getattr(connector, "webhook_answer", None)
    document = {
        "duplicates": recorded.waiting,
        "queued": recorded.queued,
        "rejected": [rejected_dict(r) for r in delivery.rejected],
    }
    status = 200 if answer is not None else getattr(connector, "webhook_status", 202)
    return Receipt(status, answer, document)


class _ToFlask(Exception):
    """This delivery is answered by Flask's view (an error, or a case the lean path leaves out)."""


class LeanWebhooks:
    """WSGI middleware: the scaled webhook's receipt without Flask (see the module docstring)."""

    def __init__(self, app: WSGIApp, inbox: Inbox, wake: Callable[[int, tuple[int, ...]], None]) -> None:
        self.app, self.inbox, self.wake = app, inbox, wake

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or environ.get("REQUEST_METHOD") != "POST" or "HTTP_AUTHORIZATION" in environ:
            # (a bearer token is counted by the per-token rate limit: Flask's path does that)
            return self.app(environ, start_response)
        channel_id = int(match.group(1))
        length = _content_length(environ)
        if channel_id > INT32_MAX or length is None or length > WEBHOOK_MAX:
            return self.app(environ, start_response)  # Flask answers 404, 411-ish or 413 as before
        body = _read(environ, length)
        if len(body) < length:  # the client sent less than it declared: Flask answers 400
            return self._to_flask(environ, start_response, body)
        try:
            status, payload, content_type = self._receipt(environ, channel_id, body)
        except _ToFlask:
            return self._to_flask(environ, start_response, body)
        except Exception:
            log.debug("lean webhook path handing over to Flask", exc_info=True)
            return self._to_flask(environ, start_response, body)
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(payload))),
            *SECURITY_HEADERS,
        ]
        start_response(_STATUS.get(status, f"{status} OK"), headers)
        return [payload]

    def _receipt(self, environ: dict, channel_id: int, body: bytes) -> tuple[int, bytes, str]:
        def raw_body(kind: str) -> bytes:
            if len(body) > webhook_limit(kind):
                raise _ToFlask()  # Flask answers 413 in the API's error format
            return body

        headers = with_query(dict(EnvironHeaders(environ)), environ.get("QUERY_STRING", ""))
        receipt = accept(self.inbox, channel_id, headers, raw_body, self.wake)
        if receipt.answer is not None:
            return receipt.status, receipt.answer.encode(), "text/plain; charset=utf-8"
        payload = orjson.dumps(receipt.document, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        return receipt.status, payload, "application/json"

    def _to_flask(self, environ: dict, start_response: Callable[..., Any], body: bytes) -> Iterable[bytes]:
        environ["wsgi.input"] = io.BytesIO(body)
        environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)


def _content_length(environ: dict) -> int | None:
    """The declared body length; None for a chunked or undeclared body (Flask reads those)."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    raw = environ.get("CONTENT_LENGTH", "")
    return int(raw) if raw.isdigit() else None


def _read(environ: dict, length: int) -> bytes:
    """Up to `length` bytes of the body (fewer when the client stopped sending)."""
    stream = environ["wsgi.input"]
    chunks, left = [], length
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
