"""Reply windows (SQLite and PostgreSQL): WhatsApp answers freely for 24 hours, then only with an
approved template listed from the account; WeChat's customer-service API for 48 hours."""

from __future__ import annotations

import time

from inbox.channels import inbound, outbox
from inbox.channels.accounts import create_channel
from tests.standins.wechat import WeChatStandIn
from tests.standins.whatsapp import WhatsAppStandIn


def _conv(client, agent) -> dict:
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    return client.get(f"/api/conversations/{convs[0]['id']}", headers=agent["auth"]).get_json()


def test_whatsapp_window_shown_enforced_and_templates_outside_it(client, world, inbox, clock):
    agent = world.agent()
    with WhatsAppStandIn(clock=lambda: clock().timestamp()) as stand:
        ch, _ = create_channel(
            inbox,
            None,
            "whatsapp",
            "WhatsApp TH",
            {
                "base_url": stand.base_url,
                "phone_number_id": stand.phone_number_id,
                "business_account_id": stand.waba_id,
            },
            {"app_secret": stand.app_secret, "verify_token": "v", "access_token": stand.access_token},
            world.team_id(),
        )
        headers, body = stand.delivery(stand.message("ของยังไม่ถึงเลยค่ะ"))
        assert client.post(f"/api/channels/{ch['id']}/webhook", data=body, headers=headers).status_code == 200
        conv = _conv(client, agent)
        assert conv["reply_window"]["open"] is True and conv["reply_window"]["hours"] == 24
        clock.advance(hours=25)
        conv = _conv(client, agent)
        window = conv["reply_window"]
        assert window["open"] is False and window["templates"] is True and "24 hours" in window["reason"]
        refused = client.post(
            f"/api/conversations/{conv['id']}/replies", json={"text": "hello?"}, headers=agent["auth"]
        )
        assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "text"
        assert not stand.sent
        listed = client.get(f"/api/conversations/{conv['id']}/templates", headers=agent["auth"])
        assert listed.status_code == 200
        names = [(t["name"], t["variables"]) for t in listed.get_json()["templates"]]
        assert names == [
            ("order_update", ["1", "2"]),
            ("follow_up", ["1"]),
        ]  # the rejected one is not offered
        template = {"name": "order_update", "language": "th", "variables": ["A-1001", "จัดส่งแล้ว"]}
        res = client.post(
            f"/api/conversations/{conv['id']}/replies",
            json={"text": "คำสั่งซื้อ A-1001 ของคุณ: จัดส่งแล้ว", "template": template},
            headers=agent["auth"],
        )
        assert res.status_code == 201, res.get_json()
        assert outbox.deliver_due(inbox) == 1
        (sent,) = stand.sent
        assert sent["type"] == "template" and sent["template"]["name"] == "order_update"
        assert [p["text"] for p in sent["template"]["components"][0]["parameters"]] == ["A-1001", "จัดส่งแล้ว"]
        out = [m for m in _conv(client, agent)["messages"] if m["direction"] == "out"]
        assert out[0]["delivery"]["status"] == "sent" and out[0]["text"] == "คำสั่งซื้อ A-1001 ของคุณ: จัดส่งแล้ว"
        # the customer writes again: the window reopens for free text
        headers, body = stand.delivery(stand.message("ขอบคุณค่ะ"))
        client.post(f"/api/channels/{ch['id']}/webhook", data=body, headers=headers)
        assert _conv(client, agent)["reply_window"]["open"] is True


def test_template_refused_outside_whatsapp_and_wechat_window(client, world, inbox, clock):
    agent = world.agent()
    with WeChatStandIn(clock=lambda: clock().timestamp()) as stand:
        ch, _ = create_channel(
            inbox,
            None,
            "wechat",
            "公众号",
            {"base_url": stand.base_url, "app_id": stand.app_id},
            {"token": stand.token, "app_secret": stand.app_secret},
            world.team_id(),
        )
        query, body = stand.push(stand.text_xml("在吗？"))
        assert client.post(f"/api/channels/{ch['id']}/webhook?{query}", data=body).status_code == 200
        deadline = time.monotonic() + 10  # WeChat is answered first and ingested just after
        while inbound.waiting_count(inbox) and time.monotonic() < deadline:
            time.sleep(0.02)
        conv = _conv(client, agent)
        assert conv["reply_window"]["hours"] == 48 and conv["reply_window"]["templates"] is False
        template = {"name": "x", "language": "zh_CN", "variables": []}
        res = client.post(
            f"/api/conversations/{conv['id']}/replies",
            json={"text": "x", "template": template},
            headers=agent["auth"],
        )
        assert res.status_code == 400 and res.get_json()["error"]["field"] == "template"
        assert (
            client.get(f"/api/conversations/{conv['id']}/templates", headers=agent["auth"]).status_code == 400
        )
        clock.advance(hours=49)
        res = client.post(
            f"/api/conversations/{conv['id']}/replies", json={"text": "还在吗"}, headers=agent["auth"]
        )
        assert res.status_code == 400 and "48 hours" in res.get_json()["error"]["message"]
        note = client.post(
            f"/api/conversations/{conv['id']}/replies",
            json={"text": "call them", "private": True},
            headers=agent["auth"],
        )
        assert note.status_code == 201  # notes still work
