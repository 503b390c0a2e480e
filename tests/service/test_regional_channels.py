"""LINE, WhatsApp and WeChat through the real webhook endpoint, database and outbox (SQLite and
PostgreSQL): a signed delivery replayed twice is stored once; a bad signature is 401 (the WeChat
URL check 403) and stores nothing; a reply reaches the stand-in by the right API and its delivery
state follows what the network says."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from connectors.line import signature
from inbox.channels import draining, inbound, outbox
from inbox.channels.accounts import create_channel
from inbox.store.models import Message, ReplyHandle
from tests.standins.line import LineStandIn
from tests.standins.replay import RECORDED
from tests.standins.wechat import WeChatStandIn
from tests.standins.whatsapp import WhatsAppStandIn


def _settled(inbox, timeout: float = 10.0) -> None:
    """Wait until what was recorded for ingest after the answer (WeChat) is ingested."""
    deadline = time.monotonic() + timeout
    while inbound.waiting_count(inbox) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert inbound.waiting_count(inbox) == 0


def _stored(inbox) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))


def _thread(client, agent):
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    assert convs, "no conversation"
    return client.get(f"/api/conversations/{convs[0]['id']}", headers=agent["auth"]).get_json()


def _reply(client, agent, conv: int, text: str, **extra):
    res = client.post(
        f"/api/conversations/{conv}/replies", json={"text": text, **extra}, headers=agent["auth"]
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _out(client, agent) -> list[dict]:
    return [m for m in _thread(client, agent)["messages"] if m["direction"] == "out"]


def _line(inbox, world, stand: LineStandIn) -> int:
    ch, _ = create_channel(
        inbox,
        None,
        "line",
        "LINE OA",
        {"base_url": stand.base_url, "data_base_url": stand.base_url, "timeout": 2.0},
        {"channel_secret": stand.channel_secret, "channel_access_token": stand.access_token},
        world.team_id(),
    )
    return ch["id"]


def test_line_delivery_twice_stored_once_and_bad_signature_stores_nothing(client, world, inbox, clock):
    with LineStandIn(clock=lambda: clock().timestamp()) as stand:
        agent = world.agent()
        ch = _line(inbox, world, stand)
        headers, body = stand.delivery([stand.event(text="สั่งของไปสามวันแล้วยังไม่ได้เลยค่ะ")])
        bad = client.post(
            f"/api/channels/{ch}/webhook", data=body, headers={**headers, "X-Line-Signature": "x" * 44}
        )
        assert bad.status_code == 401 and _stored(inbox) == 0
        first = client.post(f"/api/channels/{ch}/webhook", data=body, headers=headers)
        assert first.status_code == 200 and first.get_json()["stored"] == 1
        # LINE redelivers the same event (isRedelivery: true, same webhookEventId): nothing new
        again = body.replace(b'"isRedelivery": false', b'"isRedelivery": true')
        headers2 = {**headers, "X-Line-Signature": signature(stand.channel_secret, again)}
        second = client.post(f"/api/channels/{ch}/webhook", data=again, headers=headers2)
        assert second.status_code == 200 and second.get_json()["duplicates"] == 1
        assert _stored(inbox) == 1
        thread = _thread(client, agent)
        (msg,) = thread["messages"]
        assert msg["text"] == "สั่งของไปสามวันแล้วยังไม่ได้เลยค่ะ"
        assert thread["reply_blocked"] is None


def test_line_sdk_recording_through_the_endpoint(client, world, inbox):
    """The SDK's 26 events in one POST: stored (its events share one webhookEventId: one message)."""
    with LineStandIn() as stand:
        ch = _line(inbox, world, stand)
        raw = (RECORDED / "line/sdk_python_v3_webhook.json").read_bytes()
        res = client.post(
            f"/api/channels/{ch}/webhook",
            data=raw,
            headers={"X-Line-Signature": signature(stand.channel_secret, raw)},
        )
        assert res.status_code == 200, res.get_json()
        assert _stored(inbox) == 1


def test_line_reply_with_token_then_push_after_it_expires(client, world, inbox, clock):
    with LineStandIn(clock=lambda: clock().timestamp()) as stand:
        agent = world.agent()
        ch = _line(inbox, world, stand)
        headers, body = stand.delivery([stand.event(user="Ucustomer01")])
        assert client.post(f"/api/channels/{ch}/webhook", data=body, headers=headers).status_code == 200
        conv = _thread(client, agent)["id"]
        _reply(client, agent, conv, "ขอโทษค่ะ กำลังตรวจสอบให้นะคะ")
        clock.advance(seconds=5)
        assert outbox.deliver_due(inbox) == 1
        assert len(stand.replies) == 1 and not stand.pushes
        (first,) = _out(client, agent)
        assert first["delivery"]["status"] == "sent" and first["delivery"]["route"] == "reply token"
        with inbox.read() as s:
            assert s.scalar(select(func.count()).select_from(ReplyHandle)) == 0  # a token is good once
        # a second reply a minute later: the token is gone, so it is pushed
        clock.advance(minutes=1)
        _reply(client, agent, conv, "พัสดุจะถึงพรุ่งนี้ค่ะ")
        assert outbox.deliver_due(inbox) == 1
        assert len(stand.pushes) == 1 and stand.pushes[0]["to"] == "Ucustomer01"
        routes = [m["delivery"]["route"] for m in _out(client, agent)]
        assert routes == ["reply token", "push API"]
        # a new event brings a new token, but an agent answering two minutes later pushes
        headers, body = stand.delivery([stand.event(user="Ucustomer01", text="ขอบคุณค่ะ")])
        client.post(f"/api/channels/{ch}/webhook", data=body, headers=headers)
        clock.advance(minutes=2)
        _reply(client, agent, conv, "ยินดีค่ะ")
        assert outbox.deliver_due(inbox) == 1
        assert len(stand.replies) == 1 and len(stand.pushes) == 2
        assert (
            stand.calls("/v2/bot/message/reply")[-1:] == stand.calls("/v2/bot/message/reply")[:1]
        )  # not retried
        assert len(stand.calls("/v2/bot/profile/Ucustomer01")) == 1  # profile fetched once


def _whatsapp(inbox, world, stand: WhatsAppStandIn) -> int:
    ch, _ = create_channel(
        inbox,
        None,
        "whatsapp",
        "WhatsApp TH",
        {
            "base_url": stand.base_url,
            "phone_number_id": stand.phone_number_id,
            "business_account_id": stand.waba_id,
            "timeout": 2.0,
        },
        {"app_secret": stand.app_secret, "verify_token": "verify-me", "access_token": stand.access_token},
        world.team_id(),
    )
    return ch["id"]


def test_whatsapp_twice_stored_once_bad_signature_and_statuses_update_the_reply(client, world, inbox, clock):
    with WhatsAppStandIn(clock=lambda: clock().timestamp()) as stand:
        agent = world.agent()
        ch = _whatsapp(inbox, world, stand)
        headers, body = stand.delivery(stand.message("ขอเลขพัสดุหน่อยค่ะ"))
        bad = client.post(
            f"/api/channels/{ch}/webhook", data=body, headers={**headers, "X-Hub-Signature-256": "sha256=0"}
        )
        assert bad.status_code == 401 and _stored(inbox) == 0
        for _ in range(2):
            assert client.post(f"/api/channels/{ch}/webhook", data=body, headers=headers).status_code == 200
        assert _stored(inbox) == 1
        handshake = client.get(
            f"/api/channels/{ch}/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444"
        )
        assert handshake.status_code == 200 and handshake.get_data(as_text=True) == "1158201444"
        conv = _thread(client, agent)["id"]
        _reply(client, agent, conv, "เลขพัสดุ TH123456789 ค่ะ")
        assert outbox.deliver_due(inbox) == 1
        (out,) = _out(client, agent)
        wamid = out["delivery"]["external_id"]
        assert wamid == stand.sent[0]["id"] and stand.sent[0]["to"] == "66812345678"
        for state in ("delivered", "read", "delivered"):  # a late "delivered" never goes backwards
            h, b = stand.delivery(stand.status(wamid, state))
            assert client.post(f"/api/channels/{ch}/webhook", data=b, headers=h).status_code == 200
        (out,) = _out(client, agent)
        assert out["delivery"]["network_state"] == "read"
        error = {
            "code": 131026,
            "title": "Message undeliverable",
            "error_data": {"details": "Receiver is incapable"},
        }
        h, b = stand.delivery(stand.status(wamid, "failed", error=error))
        client.post(f"/api/channels/{ch}/webhook", data=b, headers=h)
        (out,) = _out(client, agent)
        assert out["delivery"]["network_state"] == "failed"
        assert out["delivery"]["network_error"] == "131026: Receiver is incapable"
        assert _stored(inbox) == 1  # statuses are not messages


def _wechat(inbox, world, stand: WeChatStandIn) -> int:
    ch, _ = create_channel(
        inbox,
        None,
        "wechat",
        "公众号",
        {"base_url": stand.base_url, "app_id": stand.app_id, "timeout": 2.0},
        {"token": stand.token, "encoding_aes_key": stand.encoding_aes_key, "app_secret": stand.app_secret},
        world.team_id(),
    )
    return ch["id"]


def test_wechat_url_check_plain_and_safe_push_twice_stored_once(client, world, inbox, clock):
    with WeChatStandIn(clock=lambda: clock().timestamp()) as stand:
        ch = _wechat(inbox, world, stand)
        ok = client.get(f"/api/channels/{ch}/webhook?{stand.url_check('echo-4711')}")
        assert ok.status_code == 200 and ok.get_data(as_text=True) == "echo-4711"
        wrong = client.get(f"/api/channels/{ch}/webhook?{stand.url_check('echo-4711', token='guess')}")
        assert wrong.status_code == 403
        xml = stand.text_xml("你好，我的订单还没到")
        query, body = stand.push(xml, token="guess")
        assert client.post(f"/api/channels/{ch}/webhook?{query}", data=body).status_code == 401
        assert _stored(inbox) == 0
        # the platform retries the same MsgId (three times when an answer is slow): stored once
        for safe in (False, True, True):
            query, body = stand.push(xml, safe=safe)
            res = client.post(
                f"/api/channels/{ch}/webhook?{query}", data=body, headers={"Content-Type": "text/xml"}
            )
            assert res.status_code == 200 and res.get_data(as_text=True) == "success"
        _settled(inbox)
        assert _stored(inbox) == 1
        # a caller cannot smuggle in a query of its own through the header Murmur uses
        query, body = stand.push(stand.text_xml("伪造"), token="guess")
        good_query, _ = stand.push(stand.text_xml("x"))
        forged = client.post(
            f"/api/channels/{ch}/webhook?{query}", data=body, headers={"X-Murmur-Query": good_query}
        )
        assert forged.status_code == 401 and _stored(inbox) == 1


def test_wechat_reply_through_the_customer_service_api(client, world, inbox, clock):
    with WeChatStandIn(clock=lambda: clock().timestamp()) as stand:
        agent = world.agent()
        ch = _wechat(inbox, world, stand)
        query, body = stand.push(stand.text_xml("请问什么时候发货？", openid="oCustomer1"), safe=True)
        assert client.post(f"/api/channels/{ch}/webhook?{query}", data=body).status_code == 200
        _settled(inbox)
        conv = _thread(client, agent)["id"]
        _reply(client, agent, conv, "您好，今天下午发货。")
        assert outbox.deliver_due(inbox) == 1
        assert stand.sent == [
            {"touser": "oCustomer1", "msgtype": "text", "text": {"content": "您好，今天下午发货。"}}
        ]
        (out,) = _out(client, agent)
        assert out["delivery"]["status"] == "sent"


def test_wechat_slow_processing_is_answered_at_once_and_not_doubled_by_retries(
    client, world, inbox, clock, monkeypatch
):
    """Processing waits (as a slow one would, past WeChat's 5 seconds): the first push and the
    platform's three retries of the same MsgId are each answered "success" while nothing has been
    processed yet; once processing runs the message is stored exactly once."""
    gate, started = threading.Event(), threading.Event()
    real = draining.drain_lanes

    def slow_drain(*args, **kwargs):
        started.set()
        assert gate.wait(30), "the test never let processing run"
        return real(*args, **kwargs)

    monkeypatch.setattr(draining, "drain_lanes", slow_drain)
    with WeChatStandIn(clock=lambda: clock().timestamp()) as stand:
        ch = _wechat(inbox, world, stand)
        xml = stand.text_xml("我等了一个星期了，到底什么时候发货？")
        for attempt in range(4):  # the push and WeChat's three retries
            query, body = stand.push(xml, safe=attempt % 2 == 1)
            res = client.post(f"/api/channels/{ch}/webhook?{query}", data=body)
            assert res.status_code == 200 and res.get_data(as_text=True) == "success"
            assert not gate.is_set()  # answered while processing had not run
        assert started.wait(5) and _stored(inbox) == 0 and inbound.waiting_count(inbox) == 1
        gate.set()
        _settled(inbox)
        assert _stored(inbox) == 1
        query, body = stand.push(xml)  # a late retry after processing: still once
        assert (
            client.post(f"/api/channels/{ch}/webhook?{query}", data=body).get_data(as_text=True) == "success"
        )
        _settled(inbox)
        assert _stored(inbox) == 1


def test_scaled_mode_records_answers_as_each_platform_wants_and_workers_ingest(
    app, client, world, inbox, clock
):
    """The scaled path (deliveries recorded, lanes woken, workers drain): LINE and WhatsApp get the
    200 their platforms require, WeChat its "success"; statuses are applied in the request; each
    message is stored once however often it is delivered."""
    woken: list[tuple[int, tuple[int, ...]]] = []
    app.extensions["murmur.lanes"] = lambda ch, lanes: woken.append((ch, lanes))
    with (
        LineStandIn(clock=lambda: clock().timestamp()) as line,
        WhatsAppStandIn(clock=lambda: clock().timestamp()) as wa,
        WeChatStandIn(clock=lambda: clock().timestamp()) as wx,
    ):
        line_ch, wa_ch, wx_ch = (
            _line(inbox, world, line),
            _whatsapp(inbox, world, wa),
            _wechat(inbox, world, wx),
        )
        deliveries = [
            (line_ch, "", *line.delivery([line.event(text="ของมาไม่ครบค่ะ")])),
            (wa_ch, "", *wa.delivery(wa.message("ได้รับของแล้วแต่แตก"))),
        ]
        query, body = wx.push(wx.text_xml("东西坏了"), safe=True)
        deliveries.append((wx_ch, query, {}, body))
        for _ in range(2):
            for ch, query, headers, body in deliveries:
                res = client.post(f"/api/channels/{ch}/webhook?{query}", data=body, headers=headers)
                assert res.status_code == 200, res.get_data(as_text=True)
                if ch == wx_ch:
                    assert res.get_data(as_text=True) == "success"
        assert _stored(inbox) == 0 and inbound.waiting_count(inbox) == 3  # answered before any ingest
        for ch, lanes in dict(woken).items():
            for lane in lanes:
                draining.drain_lane(inbox, ch, lane)
        assert _stored(inbox) == 3 and inbound.waiting_count(inbox) == 0
        with inbox.read() as s:
            assert s.scalar(select(func.count()).select_from(ReplyHandle)) == 1  # LINE's token kept
