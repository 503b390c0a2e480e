"""WeChat: the platform's documented safe-mode sample and wechatpy's recorded messages through the
adapter; signatures; hostile XML; the customer-service API and the shared access token."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import pytest

from connectors.errors import PayloadError, PermanentError, SignatureError
from connectors.types import OutboundReply
from connectors.wechat import MemoryTokens, WeChatConnector
from connectors.wechat_crypto import Envelope, sign
from tests.standins.replay import RECORDED
from tests.standins.wechat import WeChatStandIn

SAMPLE = json.loads((RECORDED / "wechat/wechatpy_safe_mode_sample.json").read_text(encoding="utf-8"))
MESSAGES = json.loads((RECORDED / "wechat/wechatpy_parser_messages.json").read_text(encoding="utf-8"))


def connector(stand: WeChatStandIn | None = None, **secrets: str) -> WeChatConnector:
    s = stand or WeChatStandIn()
    c = WeChatConnector(
        {"base_url": stand.base_url if stand else "http://127.0.0.1:9", "app_id": s.app_id, "timeout": 2.0},
        {"token": s.token, "encoding_aes_key": s.encoding_aes_key, "app_secret": s.app_secret} | secrets,
    )
    c.tokens = MemoryTokens()  # each test its own token store
    return c


def plain(xml: str, token: str = "murmur-wechat-token") -> tuple[dict[str, str], bytes]:
    query, body = WeChatStandIn(token=token).push(xml)
    return {"X-Murmur-Query": query}, body


def test_documented_safe_mode_sample_decrypts_and_parses():
    """wechatpy tests/test_crypto.py: the platform's sample, its msg_signature and ciphertext."""
    c = WeChatConnector(
        {"app_id": SAMPLE["app_id"]},
        {"token": SAMPLE["token"], "encoding_aes_key": SAMPLE["encoding_aes_key"], "app_secret": "s"},
    )
    query = urlencode(SAMPLE["query"] | {"encrypt_type": "aes"})
    (msg,) = c.parse_webhook({"X-Murmur-Query": query}, SAMPLE["body"].encode())
    assert (msg.text, msg.author.external_id, msg.external_id) == ("test", "messense", "4363689963896700987")
    assert msg.thread_key == "wx:messense" and msg.channel == "wechat" and not msg.public
    # the same body with one signature character changed is refused
    bad = urlencode(SAMPLE["query"] | {"encrypt_type": "aes", "msg_signature": "0" * 40})
    with pytest.raises(SignatureError):
        c.parse_webhook({"X-Murmur-Query": bad}, SAMPLE["body"].encode())


def test_documented_sample_url_check_in_encrypted_form():
    c = WeChatConnector(
        {"app_id": SAMPLE["app_id"]},
        {"token": SAMPLE["token"], "encoding_aes_key": SAMPLE["encoding_aes_key"], "app_secret": "s"},
    )
    assert c.verify_subscription(SAMPLE["url_check"]) == "5927782489442352469"


@pytest.mark.parametrize(
    ("case", "text", "kinds"),
    [
        ("test_parse_text_message", "this is a test", []),
        ("test_parse_image_message", "", ["image"]),
        ("test_parse_voice_message", "", ["audio"]),
        ("test_parse_video_message", "", ["video"]),
        ("test_parse_location_message", "位置信息", ["link"]),
        ("test_parse_link_message", "公众平台官网链接\n公众平台官网链接", ["link"]),
    ],
)
def test_wechatpy_recorded_messages(case, text, kinds):
    (msg,) = connector().parse_webhook(*plain(MESSAGES[case]))
    assert (msg.text, [a.kind for a in msg.attachments]) == (text, kinds)
    assert msg.external_id == "1234567890123456" and msg.author.external_id in ("fromUser", "FromUser")
    if case == "test_parse_location_message":
        assert msg.attachments[0].url == "https://maps.google.com/?q=23.134521,113.358803"
    if case == "test_parse_image_message":
        assert msg.attachments[0].url == "this is a url" and msg.attachments[0].ref == "media_id"


@pytest.mark.parametrize("case", ["test_parse_subscribe_event", "test_parse_click_event"])
def test_events_are_acknowledged_not_stored(case):
    assert connector().parse_webhook(*plain(MESSAGES[case])) == []


def test_unsubscribe_event_and_unknown_message_type():
    unsubscribe = MESSAGES["test_parse_subscribe_event"].replace("subscribe]]", "unsubscribe]]")
    assert connector().parse_webhook(*plain(unsubscribe)) == []
    with pytest.raises(PayloadError):
        connector().parse_webhook(*plain(MESSAGES["test_parse_unknown_message"]))


def test_signature_is_checked_before_the_body_is_read():
    with pytest.raises(SignatureError):
        connector().parse_webhook(*plain("<xml><not closed", token="someone-else"))
    with pytest.raises(SignatureError):
        connector().parse_webhook({}, MESSAGES["test_parse_text_message"].encode())


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        "<html><body>not wechat</body></html>",
    ],
)
def test_hostile_or_foreign_xml_is_a_400_not_parsed(xml):
    with pytest.raises(PayloadError):
        connector().parse_webhook(*plain(xml))


def test_url_check_plain():
    stand = WeChatStandIn()
    query = dict(p.split("=", 1) for p in stand.url_check("hello123").split("&"))
    assert connector().verify_subscription(query) == "hello123"
    with pytest.raises(SignatureError):
        connector().verify_subscription(query | {"nonce": "other"})


def test_safe_mode_round_trip_and_wrong_app_id():
    stand = WeChatStandIn()
    query, body = stand.push(stand.text_xml("加密的消息"), safe=True)
    (msg,) = connector().parse_webhook({"X-Murmur-Query": query}, body)
    assert msg.text == "加密的消息"
    other = WeChatConnector(
        {"app_id": "wx_other"},
        {"token": stand.token, "encoding_aes_key": stand.encoding_aes_key, "app_secret": "s"},
    )
    with pytest.raises(SignatureError):
        other.parse_webhook({"X-Murmur-Query": query}, body)
    assert (
        Envelope(stand.encoding_aes_key, "wx1").decrypt(Envelope(stand.encoding_aes_key, "wx1").encrypt(b"x"))
        == b"x"
    )
    assert sign("b", "a") == sign("a", "b")


def test_customer_service_reply_within_48_hours_and_refused_after():
    now = [1_800_000_000.0]
    with WeChatStandIn(clock=lambda: now[0]) as stand:
        c = connector(stand)
        c.clock = lambda: now[0]
        stand.text_xml(openid="oUser1")
        c.send_reply(OutboundReply("wechat", "wx:oUser1", "您好，已为您查询", public=False))
        assert stand.sent == [
            {"touser": "oUser1", "msgtype": "text", "text": {"content": "您好，已为您查询"}}
        ]
        now[0] += 49 * 3600
        with pytest.raises(PermanentError, match="48 hours"):
            c.send_reply(OutboundReply("wechat", "wx:oUser1", "late", public=False))


def test_access_token_is_shared_refreshed_before_expiry_and_replaced_when_invalid():
    now = [1_800_000_000.0]
    with WeChatStandIn(clock=lambda: now[0]) as stand:
        store = MemoryTokens()
        a, b = connector(stand), connector(stand)
        a.tokens = b.tokens = store  # two processes sharing one store
        a.clock = b.clock = lambda: now[0]
        stand.text_xml(openid="oUser1")
        a.send_reply(OutboundReply("wechat", "wx:oUser1", "1", public=False))
        b.send_reply(OutboundReply("wechat", "wx:oUser1", "2", public=False))
        assert stand.tokens_issued == 1
        now[0] += 7200 - 500  # inside the last ten minutes: refreshed before it runs out
        a.send_reply(OutboundReply("wechat", "wx:oUser1", "3", public=False))
        assert stand.tokens_issued == 2
        stand.expire_tokens()  # the platform invalidated it: one new token, the reply still goes
        b.send_reply(OutboundReply("wechat", "wx:oUser1", "4", public=False))
        assert stand.tokens_issued == 3 and len(stand.sent) == 4


def test_concurrent_first_use_fetches_one_token():
    with WeChatStandIn() as stand:
        store = MemoryTokens()
        conns = [connector(stand) for _ in range(6)]
        for c in conns:
            c.tokens = store
        threads = [threading.Thread(target=c.access_token) for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert stand.tokens_issued == 1


def test_media_errors_answered_as_json_are_never_taken_for_the_file():
    from connectors.types import Attachment

    with WeChatStandIn() as stand:
        stand.media["m1"] = (b"#!AMR\nvoice", "audio/amr")
        c = connector(stand)
        c.access_token()
        stand.expire_tokens()  # a stale token: replaced once, then the file
        assert c.fetch_media(Attachment(kind="audio", ref="m1"), 1000) == (b"#!AMR\nvoice", "audio/amr")
        with pytest.raises(PermanentError, match="40007"):
            c.fetch_media(Attachment(kind="audio", ref="gone"), 1000)
