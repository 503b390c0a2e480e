"""Limits at the edge: how many bytes a request may send, and which ids a URL may name.

Every request gets a body limit before its view runs (`MAX_CONTENT_LENGTH` for pages, the
endpoint's own for the API, the channel kind's for a webhook). Werkzeug compares
`Content-Length` with it before reading a byte and cuts a chunked body off at the limit, so a
300 MB POST costs the process nothing; the answer is 413 in the API's error format, with
`Connection: close` so the unread rest of the body is never taken for the next request.

Path ids (`<int:...>`) only match within the id columns' range: an id that cannot exist is a 404,
not an integer overflow in the database driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from inbox.store.limits import INT32_MAX

KIB = 1024
MIB = 1024 * KIB
DEFAULT_BODY = 1 * MIB  # any API call or form that does not say otherwise
# The largest legitimate delivery of each pushed network (see docs/api-errors-and-limits.md).
WEBHOOK_BODY = {
    "webhook": 2 * MIB,  # ours: at most 1,000 messages in one delivery, ~2 KB each
    "meta": 4 * MIB,  # Meta batches up to 1,000 changes in one POST; a Messenger text is <= 2,000 chars
    "telegram": 1 * MIB,  # one Update per POST: a 4,096-character text, its quoted reply, entities
    "line": 1 * MIB,  # a batch of events, each text at most 5,000 characters
    "whatsapp": 4 * MIB,  # Meta's batching, as for "meta"
    "wechat": 64 * KIB,  # one XML message per POST (a text is at most 2,048 bytes), AES adds a third
}
WEBHOOK_MAX = max(WEBHOOK_BODY.values())
# Endpoints allowed more than DEFAULT_BODY, by view name (filled by `web.api.endpoint(max_body=...)`).
BODY_LIMITS: dict[str, int] = {}


def webhook_limit(kind: str) -> int:
    """How many bytes one delivery of this channel kind may carry."""
    return WEBHOOK_BODY.get(kind, DEFAULT_BODY)


def set_limit(limit: int) -> None:
    """Make `limit` this request's body limit (before the body is first touched).

    Werkzeug stops a streamed (chunked) body at `max_content_length` but returns what it read,
    cut short, without an error; so the stream is allowed one byte more, and `read_body` calls a
    body that reaches it too large."""
    g.body_limit = limit
    request.max_content_length = limit + 1


def read_body(limit: int | None = None, cache: bool = False) -> bytes:
    """The request body, read only if it fits (413 otherwise, as soon as that is known): a declared
    Content-Length is compared before a byte is read, a streamed body is cut off one byte past it."""
    if limit is not None:
        set_limit(limit)
    data = request.get_data(cache=cache)
    if len(data) > g.body_limit:
        raise RequestEntityTooLarge()
    return data


def webhook_reader() -> Callable[[str], bytes]:
    """Reads a delivery's body within its channel kind's limit, once that kind is known."""
    return lambda kind: read_body(webhook_limit(kind))


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: digits that fit the id columns (32-bit on PostgreSQL); any other is a 404.

    It raises NotFound itself: a plain ValidationError would make Werkzeug answer 405 whenever the
    same path has a rule for another method (GET and POST /channels/<id>/webhook)."""

    def to_python(self, value: str) -> Any:
        if len(value) > 10 or int(value) > INT32_MAX:
            raise NotFound(f"no such id: {value[:20]}{'...' if len(value) > 20 else ''}")
        return int(value)


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint registers its rules) and the body limits."""
    app.url_map.converters["int"] = IdConverter
    app.config["MAX_CONTENT_LENGTH"] = DEFAULT_BODY

    @app.before_request
    def _body_limit() -> None:
        if isinstance(request.routing_exception, MethodNotAllowed):
            raise request.routing_exception  # 405 with Allow, whoever asks (before logging in)
        if request.endpoint == "api.webhook":
            # the kind's own limit is applied in the view; until then, the largest of them
            limit = WEBHOOK_MAX
        else:
            limit = BODY_LIMITS.get(request.endpoint or "", DEFAULT_BODY)
        set_limit(limit)
        if request.content_length is not None and request.content_length > limit:
            raise RequestEntityTooLarge()

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(e: RequestEntityTooLarge) -> Any:
        limit = g.get("body_limit")
        message = f"the body is larger than this endpoint accepts ({limit:,} bytes)" if limit else "too large"
        resp = jsonify({"error": {"code": "too_large", "message": message, "field": "body"}})
        resp.status_code = 413
        # the client may still be sending: close, so the unread rest is never read as a next request
        resp.headers["Connection"] = "close"
        return resp
