"""Errors the services raise; the web layer maps each to an HTTP status and a JSON body.

A message is an English msgid marked with `N_` (extracted by `pybabel`, translated nowhere here:
the inbox knows no Flask) whose `%(name)s` placeholders are filled from keyword arguments kept as
data, so `web.errors` can translate the msgid into the reader's language at response time and fill
in the same values; `message` is the English text, for logs, the CLI and callers that never
translate. The `code` never changes with the language.
"""

from __future__ import annotations

from typing import Any


def N_(msgid: str) -> str:  # noqa: N802 - gettext's conventional no-op marker, one of Babel's default keywords
    """Mark `msgid` for extraction without translating it (that happens where the reader is known)."""
    return msgid


def fill(msgid: str, params: dict[str, Any]) -> str:
    """`msgid % params`, or `msgid` itself when there is nothing to fill (a `%` stays a `%`)."""
    return msgid % params if params else msgid


class InboxError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        self.msgid = message
        self.params = params
        self.message = fill(message, params)
        self.field = field
        super().__init__(self.message)

    @classmethod
    def like(cls, other: InboxError) -> InboxError:
        """The same words (msgid and values) and field as `other`, raised as this class."""
        return cls(other.msgid, other.field, **other.params)


class NotFound(InboxError):
    status = 404
    code = "not_found"


class Forbidden(InboxError):
    status = 403
    code = "forbidden"


class Invalid(InboxError):
    status = 400
    code = "invalid"


class Conflict(InboxError):
    status = 409
    code = "conflict"
