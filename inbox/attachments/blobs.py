"""Where attachment bytes live: stored once by their SHA-256, in a folder or an S3 bucket.

The embedded mode keeps them under the instance folder; the scaled mode, whose web processes
and workers run on several machines, in an S3-compatible bucket (boto3). Both are
content-addressed: the same file sent twice, by two customers or on two networks, is one blob,
and writing a blob that exists is a no-op, so a retried job or a rolled-back ingest can never
leave two copies or a half-written file behind (the folder store writes to a temporary name
and renames).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

_CONTENT_KEY = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    """The blob key of `data`: its SHA-256 in hex."""
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    """Content-addressed storage: `put` returns the key, `get` the bytes (KeyError if absent)."""

    def put(self, data: bytes, key: str | None = None, content_type: str = "") -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[tuple[str, float]]: ...


def _path_of(key: str) -> str:
    """Keys fan out by their first two characters, so no folder holds millions of files."""
    if not key or "/" in key.replace("thumb/", "", 1) or key.startswith(".") or ".." in key:
        raise KeyError(key)
    return f"{key[:2]}/{key}" if not key.startswith("thumb/") else f"thumb/{key[6:8]}/{key[6:]}"


class FolderStore:
    """Blobs as files under `root` (the embedded mode: `<instance>/blobs`)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FolderStore({str(self.root)!r})"

    def put(self, data: bytes, key: str | None = None, content_type: str = "") -> str:
        key = key or digest(data)
        path = self.root / _path_of(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # atomic: a reader sees the whole file or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return (self.root / _path_of(key)).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return (self.root / _path_of(key)).exists()

    def delete(self, key: str) -> None:
        """Remove a blob; removing one that is not there is a no-op (the sweeper may run twice)."""
        (self.root / _path_of(key)).unlink(missing_ok=True)

    def keys(self) -> Iterator[tuple[str, float]]:
        """Every content blob (not thumbnails, not half-written files) with its modification time."""
        if not self.root.is_dir():
            return
        for fan in sorted(self.root.iterdir()):
            if fan.name == "thumb" or not fan.is_dir():
                continue
            for path in sorted(fan.iterdir()):
                if _CONTENT_KEY.fullmatch(path.name):
                    try:
                        yield path.name, path.stat().st_mtime
                    except FileNotFoundError:
                        continue  # removed meanwhile


class S3Store:
    """Blobs as objects `<prefix><aa>/<sha256>` in one bucket of any S3-compatible service."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "blobs/",
        client: Any = None,
    ) -> None:
        import boto3  # imported here: only the scaled mode pays for loading it (about 0.3 s)
        from botocore.config import Config as BotoConfig

        self.bucket, self.prefix = bucket, prefix
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=BotoConfig(
                retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30
            ),
        )

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r})"

    def _key(self, key: str) -> str:
        return self.prefix + _path_of(key)

    def put(self, data: bytes, key: str | None = None, content_type: str = "") -> str:
        key = key or digest(data)
        if not self.exists(key):
            extra = {"ContentType": content_type} if content_type else {}
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)
        return key

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise

    def delete(self, key: str) -> None:
        """Remove a blob; S3 answers a delete of a missing key with success too."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> Iterator[tuple[str, float]]:
        """Every content blob under the prefix (not thumbnails) with its LastModified, paged."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"][len(self.prefix) :]
                if name.startswith("thumb/"):
                    continue
                key = name.rsplit("/", 1)[-1]
                if _CONTENT_KEY.fullmatch(key):
                    yield key, obj["LastModified"].timestamp()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
