"""Meta's webhook scheme, shared by Messenger/Instagram (`meta`) and WhatsApp Cloud (`whatsapp`).

Both are subscribed with the same GET handshake (`hub.mode`, `hub.verify_token`,
`hub.challenge`) and sign each delivery with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
the raw body keyed with the app secret>`. One copy of the check, so a fix reaches both channels.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from connectors.base import lower_headers
from connectors.errors import SignatureError

SIGNATURE_HEADER = "X-Hub-Signature-256"


def hub_signature(app_secret: str, raw_body: bytes) -> str:
    """`sha256=<hex>` over the raw bytes, as Meta computes it."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def check_hub_signature(app_secret: str, headers: Mapping[str, str], raw_body: bytes) -> None:
    """Raise SignatureError unless X-Hub-Signature-256 signs `raw_body` with `app_secret`."""
    got = lower_headers(headers).get(SIGNATURE_HEADER.lower(), "")
    if not got or not hmac.compare_digest(got.encode(), hub_signature(app_secret, raw_body).encode()):
        raise SignatureError("missing or wrong X-Hub-Signature-256")


def hub_challenge(verify_token: str, params: Mapping[str, str]) -> str:
    """The GET handshake: the challenge to echo as text/plain, or SignatureError (answered 403)."""
    token = str(params.get("hub.verify_token", ""))
    if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), verify_token.encode()
    ):
        raise SignatureError("subscription verification failed")
    return str(params.get("hub.challenge", ""))
