"""Meta's one webhook check serves Messenger/Instagram and WhatsApp alike (it was two copies)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import registry
from connectors.errors import SignatureError
from connectors.meta_hub import check_hub_signature, hub_challenge, hub_signature

SECRETS = {"app_secret": "shh", "verify_token": "tok", "page_access_token": "p", "access_token": "a"}


def _both():
    return [
        registry.create("meta", {"page_id": "1"}, SECRETS),
        registry.create("whatsapp", {"phone_number_id": "2"}, SECRETS),
    ]


@given(st.binary(max_size=200))
def test_the_signature_is_meta_s_hmac_sha256_of_the_raw_body(body: bytes) -> None:
    want = "sha256=" + hmac.new(b"shh", body, hashlib.sha256).hexdigest()
    assert hub_signature("shh", body) == want
    check_hub_signature("shh", {"X-Hub-Signature-256": want}, body)
    check_hub_signature("shh", {"x-hub-signature-256": want}, body)  # header names are case-blind
    with pytest.raises(SignatureError):
        check_hub_signature("other", {"X-Hub-Signature-256": want}, body)
    with pytest.raises(SignatureError):
        check_hub_signature("shh", {"X-Hub-Signature-256": want}, body + b" ")


@pytest.mark.parametrize("headers", [{}, {"X-Hub-Signature-256": ""}, {"X-Hub-Signature-256": "sha1=00"}])
def test_both_channels_refuse_a_missing_or_foreign_signature_before_reading_the_body(headers) -> None:
    for c in _both():
        with pytest.raises(SignatureError, match="X-Hub-Signature-256"):
            c.parse_webhook(headers, b"not json at all")


def test_both_channels_answer_the_subscription_handshake_the_same_way() -> None:
    ok = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert hub_challenge("tok", ok) == "1158201444"
    for c in _both():
        assert c.verify_subscription(ok) == "1158201444"
        for bad in ({**ok, "hub.verify_token": "nope"}, {**ok, "hub.mode": "unsubscribe"}, {}):
            with pytest.raises(SignatureError):
                c.verify_subscription(bad)
