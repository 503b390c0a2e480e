"""Pushed channels refuse bad signatures; every adapter's reply reaches its stand-in in the documented shape."""

from __future__ import annotations

import pytest

from connectors import registry
from connectors.errors import PayloadError, RateLimited, SignatureError
from connectors.types import Author, OutboundReply
from tests.standins import (
    BlueskyStandIn,
    MastodonStandIn,
    MetaStandIn,
    RedditStandIn,
    TelegramStandIn,
    XStandIn,
)
from tests.standins.testing import FakeClock

META_SECRETS = {"app_secret": "appsecret", "verify_token": "vt", "page_access_token": "page-token"}
COMMENT = {
    "object": "page",
    "entry": [
        {
            "id": "104000000000001",
            "time": 1772619330,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "item": "comment",
                        "verb": "add",
                        "comment_id": "104_555",
                        "post_id": "104_777",
                        "parent_id": "104_777",
                        "from": {"id": "6100000000000042", "name": "Dana K"},
                        "message": "Order #42 never arrived 😡",
                        "created_time": 1772619329,
                    },
                }
            ],
        }
    ],
}
DM = {
    "object": "instagram",
    "entry": [
        {
            "id": "1784",
            "time": 1772619330123,
            "messaging": [
                {
                    "sender": {"id": "IGSID9"},
                    "recipient": {"id": "1784"},
                    "timestamp": 1772619329900,
                    "message": {"mid": "m_AbC", "text": "Where is my order?"},
                },
                {
                    "sender": {"id": "1784"},
                    "recipient": {"id": "IGSID9"},
                    "timestamp": 1772619329901,
                    "message": {"mid": "m_echo", "text": "we replied", "is_echo": True},
                },
            ],
        }
    ],
}


def meta(server=None):
    settings = {"page_id": "104000000000001", "ig_user_id": "1784", "timeout": 1.0}
    if server:
        settings["base_url"] = server.base_url
    return registry.create("meta", settings, META_SECRETS)


def test_meta_signed_batches_parse_and_bad_signatures_are_refused():
    headers, raw = MetaStandIn.delivery(COMMENT, "appsecret")
    [c] = meta().parse_webhook(headers, raw)
    assert (c.channel, c.external_id, c.thread_key, c.author.display_name) == (
        "facebook",
        "104_555",
        "104_777",
        "Dana K",
    )
    headers, raw = MetaStandIn.delivery(DM, "appsecret")
    [dm] = meta().parse_webhook(headers, raw)  # the echo is skipped
    assert (dm.channel, dm.thread_key, dm.public) == ("instagram", "dm:IGSID9", False)
    for bad in ({}, {"X-Hub-Signature-256": "sha256=00"}, MetaStandIn.delivery(COMMENT, "other")[0]):
        with pytest.raises(SignatureError):
            meta().parse_webhook(bad, raw)
    with pytest.raises(SignatureError):  # signature over different bytes (re-serialized body)
        meta().parse_webhook(headers, raw.replace(b": ", b":"))


def test_meta_subscription_handshake():
    ok = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}
    assert meta().verify_subscription(ok) == "1158201444"
    with pytest.raises(SignatureError):
        meta().verify_subscription({**ok, "hub.verify_token": "nope"})


def test_telegram_webhook_secret_token():
    with TelegramStandIn() as tg:
        c = registry.create(
            "telegram", {"base_url": tg.base_url}, {"bot_token": tg.token, "webhook_secret": "s-3"}
        )
        headers, raw = TelegramStandIn.webhook_delivery(tg.make_update(text="hi"), "s-3")
        [m] = c.parse_webhook(headers, raw)
        assert m.text == "hi" and not m.public
        for bad in ({}, TelegramStandIn.webhook_delivery({}, "wrong")[0]):
            with pytest.raises(SignatureError):
                c.parse_webhook(bad, raw)
        with pytest.raises(PayloadError):
            c.parse_webhook(headers, b"{}")


def test_meta_replies_and_throttle():
    with MetaStandIn() as g:
        c = meta(g)
        assert c.send_reply(OutboundReply("facebook", "104_777", "Sorry!", in_reply_to="104_555")).startswith(
            "104_555_"
        )
        assert c.send_reply(OutboundReply("instagram", "dm:IGSID9", "Hi", public=False)).startswith("m_out")
        assert [s["edge"] for s in g.sent] == ["comments", "messages"] and g.sent[1]["from"] == "1784"
        g.throttle_next = 1
        with pytest.raises(RateLimited):
            c.send_reply(OutboundReply("facebook", "104_777", "again", in_reply_to="104_555"))
        assert "Acme" in c.test()


def test_mastodon_reply_matches_visibility_and_is_idempotent():
    with MastodonStandIn() as m:
        c = registry.create("mastodon", {"base_url": m.base_url}, {"access_token": m.token})
        r = OutboundReply(
            "mastodon",
            "dm:1",
            "we re-shipped",
            in_reply_to="113",
            public=False,
            recipient=Author("1", "dana@social.example"),
            metadata={"outbox_id": "o-1"},
        )
        first, second = c.send_reply(r), c.send_reply(r)
        assert first == second and len(m.statuses) == 1
        s = m.statuses[0]
        assert (
            s["visibility"] == "direct"
            and s["in_reply_to_id"] == "113"
            and "@dana@social.example" in s["content"]
        )
        assert "acme" in c.test()


def test_x_reply():
    with XStandIn() as x:
        c = registry.create("x", {"base_url": x.base_url, "user_id": x.user_id}, {"bearer_token": x.token})
        assert c.send_reply(OutboundReply("x", "t", "@dana_k sorry", in_reply_to="1899"))
        assert x.posts[0]["reply"] == {"in_reply_to_tweet_id": "1899"}


def test_bluesky_reply_refs_and_session_refresh():
    clock = FakeClock()
    with BlueskyStandIn(clock=clock) as b:
        [uri] = b.add_mentions(1, reason="reply", noise_every=0)
        c = registry.create(
            "bluesky",
            {"base_url": b.base_url, "identifier": b.identifier},
            {"app_password": b.password},
            clock=clock,
        )
        batch = c.poll(None)
        b.expire_tokens()
        c.send_reply(OutboundReply("bluesky", batch.messages[0].thread_key, "sorry!", in_reply_to=uri))
        reply = b.records[0]["record"]["reply"]
        assert reply["parent"]["uri"] == uri and reply["root"]["uri"].endswith("root1")
        assert b.sessions_created == 1  # refreshed, not logged in again
        assert batch.messages[0].author.followers == 777


def test_reddit_reply_and_action_ratelimit():
    with RedditStandIn() as r:
        c = registry.create(
            "reddit",
            {
                "base_url": r.base_url,
                "auth_url": r.base_url,
                "client_id": r.client_id,
                "username": r.username,
            },
            {"client_secret": r.client_secret, "password": r.password},
        )
        assert c.send_reply(OutboundReply("reddit", "t3_1", "fixed", in_reply_to="t1_k9")).startswith("t1_")
        r.comment_ratelimit = "you are doing that too much. try again in 3 minutes."
        with pytest.raises(RateLimited):
            c.send_reply(OutboundReply("reddit", "t3_1", "again", in_reply_to="t1_k9"))


def test_telegram_reply_quotes_the_message():
    with TelegramStandIn() as tg:
        c = registry.create("telegram", {"base_url": tg.base_url}, {"bot_token": tg.token})
        assert c.send_reply(OutboundReply("telegram", "5550001", "on its way", in_reply_to="5550001:311"))
        assert tg.sent[0]["reply_to_message"] == {"message_id": 311}
        assert "acme_support_bot" in c.test()
