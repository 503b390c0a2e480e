"""Abuse limits, kept by Flask-Limiter: failed sign-ins per account and per address, API calls per token.

Storage is Redis in scaled mode (every web process counts in the same place) and memory when
embedded. Sign-in uses two tiers of moving windows: a few failures in a minute slow the account
(or the address) down for a minute; more failures within the hour lock it until the oldest of
them leaves the window. Only failures count, and while a tier is full even the right password is
refused, with a message that says how long to wait. A bearer token gets `api_rate_limit` calls
(default 600 per minute); the next one answers 429 with Retry-After in the API's error format.
Browser sessions are not limited here: they are people clicking, and CSRF already binds them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, jsonify, request
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage

from inbox.store.security import token_digest
from web.errors import body

# (limit, what the person is told) from the mildest; both are checked, the first full one answers
ACCOUNT_TIERS = ("5 per minute", "10 per hour")
ADDRESS_TIERS = ("20 per minute", "50 per hour")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _not_token_call() -> bool:
    """True for a request the per-token API limit does not count: anything but /api/ with a bearer."""
    return not (request.path.startswith("/api/") and _bearer())


def _token_key() -> str:
    token = _bearer()
    return "token:" + token_digest(token) if token else "anonymous"


@dataclass(frozen=True)
class Lock:
    """A sign-in that must wait: who is locked (the account or the address) and for how long."""

    scope: str
    retry_after: int

    @property
    def message(self) -> str:
        """In the reader's language: how long to wait, whole minutes past a minute and a half."""
        if self.retry_after > 90:
            n = math.ceil(self.retry_after / 60)
            if self.scope == "account":
                return ngettext(
                    "Too many failed sign-ins for this account. Sign-in is locked; try again in %(num)s minute.",
                    "Too many failed sign-ins for this account. Sign-in is locked; try again in %(num)s minutes.",
                    n,
                )
            return ngettext(
                "Too many failed sign-ins from this address. Sign-in is locked; try again in %(num)s minute.",
                "Too many failed sign-ins from this address. Sign-in is locked; try again in %(num)s minutes.",
                n,
            )
        n = self.retry_after
        if self.scope == "account":
            return ngettext(
                "Too many failed sign-ins for this account. Sign-in is locked; try again in %(num)s second.",
                "Too many failed sign-ins for this account. Sign-in is locked; try again in %(num)s seconds.",
                n,
            )
        return ngettext(
            "Too many failed sign-ins from this address. Sign-in is locked; try again in %(num)s second.",
            "Too many failed sign-ins from this address. Sign-in is locked; try again in %(num)s seconds.",
            n,
        )


class SignInLimits:
    """Failed sign-in counting over the limiter's own storage and moving-window strategy."""

    def __init__(self, limiter: Limiter, account: tuple[str, ...], address: tuple[str, ...]) -> None:
        self.limiter = limiter
        self.tiers: dict[str, list[RateLimitItem]] = {
            "account": [parse(x) for x in account],
            "address": [parse(x) for x in address],
        }

    def _keys(self, email: str, address: str) -> dict[str, str]:
        return {"account": email.strip().lower(), "address": address}

    def locked(self, email: str, address: str) -> Lock | None:
        """The lock in force for this account or address, if any (checked before the password)."""
        strategy = self.limiter.limiter
        for scope, key in self._keys(email, address).items():
            for item in self.tiers[scope]:
                if not strategy.test(item, "signin", scope, key):
                    reset = strategy.get_window_stats(item, "signin", scope, key).reset_time
                    return Lock(scope, max(1, math.ceil(reset - time.time())))
        return None

    def failed(self, email: str, address: str) -> None:
        """Count one failure against the account and against the address."""
        strategy = self.limiter.limiter
        for scope, key in self._keys(email, address).items():
            for item in self.tiers[scope]:
                strategy.hit(item, "signin", scope, key)


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage without a thread per request (embedded mode, `murmur-memory://`).

    `MemoryStorage` sweeps expired entries on a `threading.Timer` of 10 ms that it starts again
    at every hit once the last one has ended, so each API request more than 10 ms after the
    previous one started a thread: profiling the one-year bench's requests (issue 22) showed
    that start as one of the largest costs of a request on a loaded machine. Here the same sweep
    runs inline, at most once a second, in the request that finds it due. Reads were already
    exact without it: every hit checks its own key's expiry."""

    STORAGE_SCHEME = ["murmur-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.next_sweep = 0.0
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private timer start
        now = time.time()
        if now < self.next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self.next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()


def sign_in_limits() -> SignInLimits:
    return current_app.extensions["murmur.signin_limits"]


def init_app(
    app: Flask,
    storage_uri: str,
    api_limit: str,
    login_account: tuple[str, ...] = ACCOUNT_TIERS,
    login_address: tuple[str, ...] = ADDRESS_TIERS,
) -> Limiter:
    """Bind one Limiter to this app: the per-token API limit on every /api/ call with a bearer token."""
    limiter = Limiter(
        key_func=_token_key,
        app=app,
        storage_uri=storage_uri,
        strategy="moving-window",
        default_limits=[api_limit],
        default_limits_exempt_when=_not_token_call,
        headers_enabled=True,
        key_prefix="murmur",
    )
    # The same condition as a request filter: Flask-Limiter then skips a request without a bearer
    # token at its first check, instead of resolving the app's limits (and the view's qualified
    # name) only to find them exempt: a tenth of the web CPU of a webhook's 202. No route has a
    # limit of its own (sign-in and the widget count through `limiter.limiter` directly).
    limiter.request_filter(_not_token_call)
    app.extensions["murmur.limiter"] = limiter
    app.extensions["murmur.signin_limits"] = SignInLimits(limiter, login_account, login_address)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(e: RateLimitExceeded) -> Any:
        current = limiter.current_limit
        retry = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        resp = jsonify(
            body("rate_limited", f"too many requests for this token ({e.description}); retry after {retry} s")
        )
        resp.status_code = 429
        resp.headers["Retry-After"] = str(retry)
        return resp

    return limiter
