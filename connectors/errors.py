"""Connector failures, named for what the caller must do about them.

The inbox maps them one-to-one: `SignatureError` -> 401, `PayloadError` -> 400 with
the field, `RateLimited` -> wait until `reset_at`, `TransientError` -> back off and
retry, `PermanentError` -> stop and show the message to an admin. Messages never
contain secrets, tokens or full URLs with credentials in them.
"""

from __future__ import annotations

from datetime import UTC, datetime


class ConnectorError(Exception):
    """Base of every error a connector raises on purpose."""


class SignatureError(ConnectorError):
    """A pushed payload failed verification (bad/missing signature, stale timestamp)."""


class PayloadError(ConnectorError):
    """A payload or a channel's settings are malformed; `field` names the bad part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RateLimited(ConnectorError):
    """The network said stop; call it again no earlier than `reset_at` (UTC)."""

    def __init__(self, reset_at: datetime, message: str = "rate limited") -> None:
        if reset_at.tzinfo is None:
            reset_at = reset_at.replace(tzinfo=UTC)
        super().__init__(f"{message}; reset at {reset_at.isoformat()}")
        self.reset_at = reset_at
        self.message = message


class TransientError(ConnectorError):
    """5xx, timeouts, dropped connections, garbled bodies: worth retrying later."""


class PermanentError(ConnectorError):
    """4xx other than 429, bad credentials, unsupported operations: retrying won't help."""

    def __init__(self, message: str, status: int | None = None, body: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body  # the parsed error body, for adapters whose networks encode meaning in it


class Unsupported(PermanentError):
    """The channel cannot do this at all (e.g. `poll` on a push-only channel)."""
