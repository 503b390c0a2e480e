"""Errors the services raise; the web layer maps each to an HTTP status and a JSON body."""

from __future__ import annotations


class InboxError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
