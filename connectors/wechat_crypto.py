"""WeChat's message signature and its "safe mode" (AES) envelope, and its XML read safely.

The platform signs with SHA-1 over the sorted concatenation of the account's token, the
request's timestamp and nonce (and, in safe mode, the encrypted message). Safe mode encrypts
with AES-256-CBC: the key is the 43-character EncodingAESKey base64-decoded, the IV its first 16
bytes, the plaintext `16 random bytes + 4-byte big-endian length + message + AppID`, padded
PKCS#7 to 32 bytes. The AES itself is `cryptography`'s; nothing is hand-rolled but the framing.

The XML comes from the network and is untrusted: it is parsed with defusedxml (no entities, no
external references, no billion laughs), never with the standard library alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from xml.etree.ElementTree import Element

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

from connectors.errors import PayloadError, SignatureError

BLOCK = 32


def sign(*parts: str) -> str:
    """SHA-1 hex over the sorted parts joined: WeChat's `signature` and `msg_signature`."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check(signature: str, *parts: str) -> None:
    """SignatureError unless `signature` is `sign(*parts)` (compared in constant time)."""
    if not signature or not hmac.compare_digest(signature.lower().encode(), sign(*parts).encode()):
        raise SignatureError("missing or wrong WeChat signature")


def parse_xml(raw: bytes | str) -> dict[str, str]:
    """The top-level fields of a WeChat XML message as strings; PayloadError when it is not one."""
    try:
        root: Element = SafeTree.fromstring(raw)
    except (SafeTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise PayloadError("body", f"not acceptable XML ({type(exc).__name__})") from None
    if root.tag != "xml":
        raise PayloadError("body", "expected an <xml> document")
    return {child.tag: (child.text or "").strip() for child in root}


class Envelope:
    """One account's safe-mode key: decrypts what the platform sends and encrypts (tests, replies)."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        try:
            self.key = base64.b64decode(encoding_aes_key + "=")
        except binascii.Error:
            raise PayloadError(
                "secrets.encoding_aes_key", "must be the 43-character EncodingAESKey"
            ) from None
        if len(self.key) != 32:
            raise PayloadError("secrets.encoding_aes_key", "must be the 43-character EncodingAESKey")
        self.app_id = app_id

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside `Encrypt`; SignatureError when it is not for this account."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error:
            raise PayloadError("Encrypt", "not base64") from None
        if not data or len(data) % 16:
            raise PayloadError("Encrypt", "not a whole number of AES blocks")
        d = self._cipher().decryptor()
        plain = d.update(data) + d.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise SignatureError("the message does not decrypt with this EncodingAESKey")
        body = plain[16:-pad]
        (length,) = struct.unpack(">I", body[:4])
        message, app_id = body[4 : 4 + length], body[4 + length :]
        if app_id.decode(errors="replace") != self.app_id:
            raise SignatureError("the message was encrypted for another AppID")
        return message

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        """`message` framed and encrypted as the platform does (base64)."""
        body = (random16 or os.urandom(16)) + struct.pack(">I", len(message)) + message + self.app_id.encode()
        pad = BLOCK - len(body) % BLOCK
        e = self._cipher().encryptor()
        return base64.b64encode(e.update(body + bytes([pad]) * pad) + e.finalize()).decode()
