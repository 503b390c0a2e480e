"""Passwords, API tokens and secrets at rest, each with a well-kept library."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return "mur_" + _secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"murmur-secrets-v1", info=b"channel-secrets"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secrets(secret_key: str, values: dict[str, str]) -> str:
    """Encrypt a channel's secrets with a key derived from MURMUR_SECRET_KEY (HKDF -> Fernet)."""
    if not values:
        return ""
    return _fernet(secret_key).encrypt(json.dumps(values).encode()).decode()


def decrypt_secrets(secret_key: str, blob: str) -> dict[str, str]:
    if not blob:
        return {}
    try:
        return json.loads(_fernet(secret_key).decrypt(blob.encode()))
    except InvalidToken as exc:
        raise ValueError("channel secrets cannot be decrypted: MURMUR_SECRET_KEY changed?") from exc
