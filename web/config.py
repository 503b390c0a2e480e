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

from inbox.attachments.blobs import FolderStore, S3Store
from inbox.attachments.policy import Limits
from inbox.mail.send import Smtp


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
    # Attachments: a folder (embedded; default <instance>/blobs) or an S3-compatible bucket (scaled)
    blob_dir: str = ""
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    attachment_max_bytes: int = 25 * 1024 * 1024
    attachment_retention_days: int = 0  # 0: files are kept for ever
    # calls one API token may make (Flask-Limiter's notation; moving window, per token)
    api_rate_limit: str = "600 per minute"
    # invites are mailed through this server when a host is given; otherwise the link is shown once
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "murmur@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # Keep rules, SLA policies, agents and webhook subscriptions between ingest batches
    # (inbox.store.settings_cache); off only to measure what keeping them saves.
    settings_cache: bool = True
    # development aids: an untranslated string shows marked (⟦...⟧) instead of silently in English
    debug: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scaled(self) -> bool:
        return self.redis_url is not None

    def blob_store(self) -> Any:
        """The attachments' store: the S3 bucket when one is named, else a folder under the instance."""
        if self.s3_bucket:
            return S3Store(
                self.s3_bucket,
                endpoint_url=self.s3_endpoint_url or None,
                region=self.s3_region or None,
                access_key=self.s3_access_key or None,
                secret_key=self.s3_secret_key or None,
            )
        return FolderStore(self.blob_dir or str(Path(self.instance_path) / "blobs"))

    def inbox_settings(self) -> dict[str, Any]:
        """What the inbox's services read of the configuration (survey links, attachment limits)."""
        out: dict[str, Any] = {
            "attachment_limits": Limits(max_bytes=self.attachment_max_bytes),
            "attachments.retention_days": self.attachment_retention_days,
        }
        if self.public_url:
            out["survey_base_url"] = self.public_url
            out["public_url"] = self.public_url
        if self.smtp_host:  # jobs that mail (the widget's follow-ups) read it here
            out["smtp"] = self.smtp()
        return out

    def smtp(self) -> Smtp:
        return Smtp(
            self.smtp_host,
            self.smtp_port,
            self.smtp_sender,
            self.smtp_username,
            self.smtp_password,
            self.smtp_starttls,
        )

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
            blob_dir=env.get("MURMUR_BLOB_DIR", ""),
            s3_bucket=env.get("MURMUR_S3_BUCKET", ""),
            s3_endpoint_url=env.get("MURMUR_S3_ENDPOINT_URL", ""),
            s3_region=env.get("MURMUR_S3_REGION", ""),
            s3_access_key=env.get("MURMUR_S3_ACCESS_KEY_ID", ""),
            s3_secret_key=env.get("MURMUR_S3_SECRET_ACCESS_KEY", ""),
            attachment_max_bytes=int(env.get("MURMUR_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024))),
            attachment_retention_days=int(env.get("MURMUR_ATTACHMENT_RETENTION_DAYS", "0")),
            api_rate_limit=env.get("MURMUR_API_RATE_LIMIT", "600 per minute"),
            smtp_host=env.get("MURMUR_SMTP_HOST", ""),
            smtp_port=int(env.get("MURMUR_SMTP_PORT", "25")),
            smtp_sender=env.get("MURMUR_SMTP_FROM", "murmur@localhost"),
            smtp_username=env.get("MURMUR_SMTP_USERNAME", ""),
            smtp_password=env.get("MURMUR_SMTP_PASSWORD", ""),
            smtp_starttls=env.get("MURMUR_SMTP_STARTTLS", "0") == "1",
            settings_cache=env.get("MURMUR_SETTINGS_CACHE", "1") != "0",
            debug=env.get("MURMUR_DEBUG", "0") == "1",
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
