"""LINE: the SDK's recorded webhook replayed through the adapter; signatures; reply or push."""

from __future__ import annotations

import json

import pytest

from connectors.errors import PayloadError, SignatureError
from connectors.line import LineConnector, signature
from connectors.types import OutboundReply
from tests.standins.line import LineStandIn
from tests.standins.replay import RECORDED

SECRET = "line-channel-secret"


def connector(stand: LineStandIn | None = None) -> LineConnector:
    base = stand.base_url if stand else "http://127.0.0.1:9"
    return LineConnector(
        {"base_url": base, "data_base_url": base, "timeout": 2.0},
        {"channel_secret": SECRET, "channel_access_token": "line-channel-access-token"},
    )


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Line-Signature": signature(secret, body)}


def test_line_sdk_python_v3_webhook_every_message_type_and_source():
    """line-bot-sdk-python tests/v3/text/webhook.json: 26 events; only message events store."""
    raw = (RECORDED / "line/sdk_python_v3_webhook.json").read_bytes()
    with LineStandIn() as stand:
        delivery = connector(stand).parse_delivery(signed(raw), raw)
    msgs = delivery.messages
    # text (user, group, room, redelivered), image x2, video, audio, location, sticker, file
    assert len(msgs) == 11
    by_kind = [(m.thread_key.split(":")[0], m.text, [a.kind for a in m.attachments]) for m in msgs]
    assert by_kind[0] == ("user", "Hello, world", [])
    assert by_kind[1] == ("room", "", ["image"])
    assert msgs[1].attachments[0].url == "https://example.com"  # external content: by its URL
    assert [a.kind for m in msgs for a in m.attachments] == [
        "image",
        "video",
        "audio",
        "link",
        "sticker",
        "file",
        "image",
    ]
    location = next(m for m in msgs if m.attachments and m.attachments[0].kind == "link")
    assert location.text == "my location\nTokyo"
    assert "35.65910807942215,139.70372892916203" in location.attachments[0].url
    sticker = next(m for m in msgs if m.attachments and m.attachments[0].kind == "sticker")
    assert sticker.text == "Just sticker"
    file = next(m for m in msgs if m.attachments and m.attachments[0].kind == "file")
    assert (file.attachments[0].name, file.attachments[0].size, file.attachments[0].ref) == (
        "file.txt",
        2138,
        "325708",
    )
    line_hosted = [m for m in msgs if m.attachments and m.attachments[0].ref == "354718705033693861"]
    assert line_hosted and line_hosted[0].attachments[0].url is None  # fetched later through the content API
    assert {m.thread_key for m in msgs} >= {
        "user:U206d25c2ea6bd87c17655609a1c37cb8",
        "group:Ca56f94637cc4347f90a25382909b24b9",
        "room:Ra8dbf4673c4c812cd491258042226c99",
    }
    assert all(m.external_id == "testwebhookeventid" for m in msgs)  # the SDK reuses one id
    assert all(not m.public and m.channel == "line" for m in msgs)
    assert msgs[0].author.display_name == "สมหญิง ใจดี" and msgs[0].language_hint == "th"
    assert len(delivery.handles) == 11 and delivery.handles[0].token == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"


def test_line_signature_is_checked_before_the_body_is_read():
    body = b'{"events": [ not json'
    with pytest.raises(SignatureError):
        connector().parse_delivery({"X-Line-Signature": "AAAA"}, body)
    with pytest.raises(SignatureError):
        connector().parse_delivery({}, body)
    with pytest.raises(PayloadError):
        connector().parse_delivery(signed(body), body)


def test_line_signature_of_another_secret_or_changed_body_fails():
    body = json.dumps({"events": []}).encode()
    with pytest.raises(SignatureError):
        connector().parse_delivery(signed(body, "other-secret"), body)
    with pytest.raises(SignatureError):
        connector().parse_delivery(signed(body), body + b" ")
    assert connector().parse_delivery(signed(body), body).messages == ()


def test_line_profile_is_fetched_once_per_person():
    with LineStandIn() as stand:
        c = connector(stand)
        events = [stand.event(user="Uonce0001"), stand.event(user="Uonce0001"), stand.event(user="Uonce0002")]
        headers, body = stand.delivery(events)
        c.parse_delivery(headers, body)
        c.parse_delivery(headers, body)
        assert len(stand.calls("/v2/bot/profile/Uonce0001")) == 1
        assert len(stand.calls("/v2/bot/profile/Uonce0002")) == 1


def test_line_group_member_profile_uses_the_group_api():
    with LineStandIn() as stand:
        headers, body = stand.delivery([stand.event(user="Ugroupmember1", group="Cgroup00001")])
        (msg,) = connector(stand).parse_delivery(headers, body).messages
        assert msg.thread_key == "group:Cgroup00001"
        assert stand.calls("/v2/bot/group/Cgroup00001/member/Ugroupmember1")


def test_line_reply_uses_the_token_while_fresh_then_pushes():
    with LineStandIn() as stand:
        c = connector(stand)
        event = stand.event()
        routes: list[str] = []
        fresh = OutboundReply(
            "line",
            "user:U4af4980629",
            "ได้เลยค่ะ",
            metadata={"reply_token": event["replyToken"], "reply_token_age": "3", "outbox_id": "o1"},
            on_route=routes.append,
        )
        assert c.send_reply(fresh)
        assert len(stand.replies) == 1 and not stand.pushes
        # the same token again (already used): LINE says 400, so the reply is pushed instead
        again = OutboundReply(
            "line",
            "user:U4af4980629",
            "ตามมาอีกข้อความ",
            metadata={"reply_token": event["replyToken"], "reply_token_age": "4", "outbox_id": "o2"},
            on_route=routes.append,
        )
        assert c.send_reply(again)
        stale = OutboundReply(
            "line",
            "user:U4af4980629",
            "ขออภัยที่ตอบช้า",
            metadata={"reply_token": "whatever", "reply_token_age": "3600", "outbox_id": "o3"},
            on_route=routes.append,
        )
        assert c.send_reply(stale)
        assert routes == ["reply token", "push API", "push API"]
        assert [p["to"] for p in stand.pushes] == ["U4af4980629", "U4af4980629"]
        assert len(stand.calls("/v2/bot/message/reply")) == 2  # the stale token was never tried


def test_line_push_repeated_with_the_same_retry_key_is_not_sent_twice():
    with LineStandIn() as stand:
        c = connector(stand)
        reply = OutboundReply("line", "user:U1", "ส่งซ้ำ", metadata={"outbox_id": "murmur-outbox-7"})
        first, second = c.send_reply(reply), c.send_reply(reply)
        assert first == second and len(stand.pushes) == 1


def test_line_quota_and_test_call():
    with LineStandIn(quota=300) as stand:
        c = connector(stand)
        c.send_reply(OutboundReply("line", "user:U1", "hi", metadata={"outbox_id": "q1"}))
        assert c.quota() == {"limit": 300, "used": 1}
        assert "1 of 300" in c.test() and "Acme Thailand" in c.test()


def test_line_media_is_read_from_the_content_api_with_the_token():
    with LineStandIn() as stand:
        stand.content["468789577898262531"] = (b"\xff\xd8jpegbytes", "image/jpeg")
        event = stand.event(
            message={"id": "468789577898262531", "type": "image", "contentProvider": {"type": "line"}}
        )
        headers, body = stand.delivery([event])
        (msg,) = connector(stand).parse_delivery(headers, body).messages
        data, ctype = connector(stand).fetch_media(msg.attachments[0], 1000)
        assert (data, ctype) == (b"\xff\xd8jpegbytes", "image/jpeg")


def test_line_reply_token_call_without_an_answer_is_never_pushed_again():
    """A 5xx (or a timeout) on the reply-token call may hide a delivered reply: pushing the same
    text would double it, so the reply stops as "delivery unknown" for an agent to check."""
    from connectors.errors import PermanentError

    with LineStandIn() as stand:
        event = stand.event()
        stand.fail_next(500, path="/v2/bot/message/reply")
        reply = OutboundReply(
            "line",
            "user:U4af4980629",
            "ได้เลยค่ะ",
            metadata={"reply_token": event["replyToken"], "reply_token_age": "1", "outbox_id": "o9"},
        )
        with pytest.raises(PermanentError, match="delivery unknown"):
            connector(stand).send_reply(reply)
        assert not stand.pushes
