"""The widget leaf: origins as browsers send them, identity hashes, visitor tokens and office hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import PayloadError, SignatureError
from connectors.widget import (
    WidgetConnector,
    check_identity,
    identity_hash,
    new_visitor_id,
    normalize_origin,
    origin_allowed,
    parse_hours,
    parse_origins,
    visitor_message,
    visitor_of,
    visitor_token,
)

KEY = "server-secret"


@pytest.mark.parametrize(
    ("given_origin", "expected"),
    [
        ("https://Shop.Example.com", "https://shop.example.com"),
        ("https://shop.example.com:443/cart?x=1", "https://shop.example.com"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("http://shop.example:80", "http://shop.example"),
    ],
)
def test_origins_are_normalized_as_a_browser_sends_them(given_origin, expected):
    assert normalize_origin(given_origin) == expected


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "shop.example", "ftp://shop.example", "https://", "data:,x"]
)
def test_what_is_not_an_http_origin_is_refused(bad):
    with pytest.raises(PayloadError):
        normalize_origin(bad)


def test_origin_lists_accept_commas_and_spaces_and_drop_repeats():
    assert parse_origins("https://a.example, https://b.example https://A.example") == (
        "https://a.example",
        "https://b.example",
    )
    assert origin_allowed("https://b.example", parse_origins(["https://b.example/"]))
    assert not origin_allowed("https://b.example.evil", parse_origins(["https://b.example"]))
    assert not origin_allowed(None, ("https://b.example",))
    assert not origin_allowed("null", ("https://b.example",))


def test_identity_hash_is_hex_hmac_sha256_as_brands_compute_it():
    # printf '%s' user-42 | openssl dgst -sha256 -hmac s3cret
    assert (
        identity_hash("s3cret", "user-42")
        == "1136c48073bd2ba64f2a18895ff27ecfa11e24ccd2d86972ace148983668a992"
    )
    check_identity("s3cret", "user-42", identity_hash("s3cret", "user-42").upper())
    with pytest.raises(SignatureError):
        check_identity("s3cret", "user-43", identity_hash("s3cret", "user-42"))


@given(st.text(min_size=1, max_size=40), st.integers(min_value=1, max_value=10**6))
def test_a_visitor_token_opens_only_its_own_widget(user, channel):
    visitor = new_visitor_id()
    token = visitor_token(KEY, channel, visitor)
    assert visitor_of(KEY, channel, token) == visitor
    for forged in (
        visitor_token(KEY, channel + 1, visitor),
        visitor_token("other", channel, visitor),
        token[:-1],
        user,
    ):
        with pytest.raises(SignatureError):
            visitor_of(KEY, channel, forged)


def test_office_hours_are_read_in_the_widgets_time_zone():
    hours = parse_hours({"timezone": "Asia/Bangkok", "days": {"mon": ["09:00", "18:00"]}})
    assert hours is not None
    # Monday 2026-12-07 03:00 UTC is 10:00 in Bangkok; 12:00 UTC is 19:00 there
    assert hours.open_at(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    assert not hours.open_at(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    assert not hours.open_at(datetime(2026, 12, 8, 3, 0, tzinfo=UTC))  # Tuesday: no entry, closed
    assert parse_hours(None) is None
    for bad in (
        {"days": {"mon": ["18:00", "09:00"]}},
        {"days": {"funday": ["09:00", "18:00"]}},
        {"days": {"mon": ["9am", "6pm"]}},
        {"timezone": "Nowhere/City", "days": {}},
        "always",
    ):
        with pytest.raises(PayloadError):
            parse_hours(bad)


def test_a_visitor_message_keys_on_the_browsers_id_and_stays_private():
    msg = visitor_message(
        "v:abc", "client-0001", "  你好，請問有貨嗎？ ", 1_765_000_000.0, "Mei", "mei@example.com", "zh-Hant"
    )
    assert msg.external_id == "v:abc/client-0001" and msg.thread_key == "v:abc"
    assert msg.text == "你好，請問有貨嗎？" and not msg.public and msg.language_hint == "zh-Hant"
    assert msg.author.display_name == "Mei" and msg.author.email == "mei@example.com"
    for client_id, text in (
        ("short", "hi"),
        ("client-0002", ""),
        ("client-0003", "x" * 5001),
        ("bad id!!", "hi"),
    ):
        with pytest.raises(PayloadError):
            visitor_message("v:abc", client_id, text, 0.0)


def test_the_public_config_never_carries_the_secret():
    w = WidgetConnector({"allowed_origins": "https://shop.example"}, {"identity_secret": "top-secret"})
    assert "top-secret" not in str(w.public_config()) and w.public_config()["verification"] is True
    with pytest.raises(PayloadError):
        WidgetConnector({"allowed_origins": "https://shop.example", "prechat": "always"}, {})
