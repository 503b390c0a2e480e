"""All configuration, read once from MURMUR_* variables with safe embedded defaults.

Nothing else in Murmur reads the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Config:
    database_url: str = "sqlite:///instance/murmur.db"
    redis_url: str | None = None
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    instance_path: str = "instance"
    scheduler: bool = True  # the embedded in-process scheduler (off in scaled mode and in tests)
    testing: bool = False
    session_cookie_secure: bool = False
    public_url: str = ""  # how customers reach this server (survey links); defaults to http://host:port
    # SQLite: how long a writer waits for the write lock before the request answers 503 + Retry-After.
    busy_timeout: float = 10.0
    # `murmur serve`: gunicorn's threads in its one worker process (each open websocket holds one).
    web_threads: int = 100
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scaled(self) -> bool:
        return self.redis_url is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        env = os.environ if env is None else env
        instance = env.get("MURMUR_INSTANCE_PATH", "instance")
        redis_url = env.get("MURMUR_REDIS_URL") or None
        cfg = cls(
            database_url=env.get("MURMUR_DATABASE_URL") or f"sqlite:///{instance}/murmur.db",
            redis_url=redis_url,
            secret_key=env.get("MURMUR_SECRET_KEY") or "",
            host=env.get("MURMUR_HOST", "127.0.0.1"),
            port=int(env.get("MURMUR_PORT", "5000")),
            instance_path=instance,
            scheduler=env.get("MURMUR_SCHEDULER", "0" if redis_url else "1") == "1",
            session_cookie_secure=env.get("MURMUR_SECURE_COOKIES", "0") == "1",
            public_url=env.get("MURMUR_PUBLIC_URL", ""),
            busy_timeout=float(env.get("MURMUR_BUSY_TIMEOUT", "10")),
            web_threads=int(env.get("MURMUR_WEB_THREADS", "100")),
        )
        cfg = replace(cfg, **overrides)
        if not cfg.public_url:
            cfg = replace(cfg, public_url=f"http://{cfg.host}:{cfg.port}")
        if not cfg.secret_key:
            cfg = replace(cfg, secret_key=_embedded_secret(Path(cfg.instance_path)))
        return cfg


def _embedded_secret(instance: Path) -> str:
    """The embedded mode keeps a generated key in its instance folder so sessions and secrets survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
