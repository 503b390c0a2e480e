"""Access tokens every process of one installation shares (WeChat: a new token retires the old one
five minutes later, so two processes each fetching their own would keep breaking each other).

Embedded mode runs one process, and the connector's in-memory store is enough. Scaled mode keeps
the token in Redis, and a Redis lock makes sure one process refreshes it while the others wait
and then read the new one. `share_tokens(redis_url)` is called by the web app and the worker.
"""

from __future__ import annotations

import json
from typing import Any

from connectors import registry

LOCK_SECONDS = 30  # a refresh is one HTTP call with a 10-second timeout


class RedisTokens:
    """Tokens under `murmur:token:<key>` with their expiry; refreshed under a Redis lock."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def get(self, key: str) -> tuple[str, float] | None:
        raw = self.redis.get(f"murmur:token:{key}")
        if raw is None:
            return None
        data = json.loads(raw)
        return str(data["token"]), float(data["expires_at"])

    def put(self, key: str, token: str, expires_at: float) -> None:
        self.redis.set(f"murmur:token:{key}", json.dumps({"token": token, "expires_at": expires_at}))

    def lock(self, key: str) -> Any:
        return self.redis.lock(
            f"murmur:token:{key}:refresh", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS + 5
        )


def share_tokens(redis_url: str | None) -> None:
    """Give every connector kind that keeps access tokens (`tokens`) the shared Redis store."""
    if not redis_url:
        return
    store = RedisTokens(redis_url)
    for kind in registry.kinds():
        cls = registry.get(kind)
        if hasattr(cls, "tokens"):
            cls.tokens = store  # type: ignore[attr-defined]
