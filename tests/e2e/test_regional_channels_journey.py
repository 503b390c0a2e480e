"""LINE, WhatsApp and WeChat in a real browser: the Channels page shows each one's webhook URL,
what to paste where in the platform's console and LINE's monthly quota; a WhatsApp conversation
whose customer last wrote 30 hours ago offers only approved templates, and the one sent reaches
the stand-in as a template with its variables."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from tests.e2e.a11y import violations
from tests.e2e.conftest import PASSWORD, login
from tests.standins.line import LineStandIn
from tests.standins.wechat import WeChatStandIn
from tests.standins.whatsapp import WhatsAppStandIn

pytestmark = pytest.mark.e2e


def test_channel_guides_quota_and_whatsapp_templates(server: dict[str, Any], browser: Any) -> None:
    base, inbox = server["base"], server["inbox"]
    create_agent(inbox, "boss@example.com", PASSWORD, "admin", "Pim Admin", teams=["Support"])
    with (
        LineStandIn() as line,
        WhatsAppStandIn(clock=lambda: time.time() - 30 * 3600) as wa,
        WeChatStandIn() as wx,
    ):
        create_channel(
            inbox,
            None,
            "line",
            "LINE Bangkok",
            {"base_url": line.base_url, "data_base_url": line.base_url},
            {"channel_secret": line.channel_secret, "channel_access_token": line.access_token},
            team_id=1,
        )
        wa_ch, _ = create_channel(
            inbox,
            None,
            "whatsapp",
            "WhatsApp Bangkok",
            {
                "base_url": wa.base_url,
                "phone_number_id": wa.phone_number_id,
                "business_account_id": wa.waba_id,
            },
            {"app_secret": wa.app_secret, "verify_token": "v", "access_token": wa.access_token},
            team_id=1,
        )
        create_channel(
            inbox,
            None,
            "wechat",
            "WeChat Shanghai",
            {"base_url": wx.base_url, "app_id": wx.app_id},
            {"token": wx.token, "app_secret": wx.app_secret},
            team_id=1,
        )
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        admin = ctx.new_page()
        admin.set_default_timeout(15_000)
        login(admin, base, "boss@example.com")
        admin.goto(f"{base}/admin/channels")
        row = admin.locator("#channel-rows tr", has_text="LINE Bangkok")
        row.get_by_role("button", name="Test").click()
        expect(admin.locator("#action-result")).to_contain_text("Acme Thailand")
        row = admin.locator("#channel-rows tr", has_text="LINE Bangkok")
        row.get_by_role("button", name="How to connect").click()
        guide = admin.locator(".details-row", has_text="LINE Developers Console")
        expect(guide).to_be_visible()
        expect(guide.locator("code.copy")).to_have_text(f"{base}/api/channels/{wa_ch['id'] - 1}/webhook")
        expect(guide.locator(".quota")).to_have_text("Messages pushed this month: 0 of 500.")
        for name, text in (
            ("WhatsApp Bangkok", "Meta for Developers"),
            ("WeChat Shanghai", "Official Accounts Platform"),
        ):
            admin.locator("#channel-rows tr", has_text=name).get_by_role(
                "button", name="How to connect"
            ).click()
            expect(admin.locator(".details-row", has_text=text)).to_be_visible()
        assert violations(admin) == []
        ctx.close()

        # a customer wrote 30 hours ago: outside WhatsApp's window only templates may go
        headers, body = wa.delivery(wa.message("ขอเลขพัสดุหน่อยค่ะ", name="Malee"))
        res = httpx.post(f"{base}/api/channels/{wa_ch['id']}/webhook", content=body, headers=headers)
        assert res.status_code == 200, res.text
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        login(page, base)
        page.locator("#queue .queue-item", has_text="ขอเลขพัสดุ").click()
        expect(page.locator("#window-closed")).to_contain_text("24 hours")
        expect(page.locator("#reply-public")).to_be_disabled()
        page.select_option("#template-name", label="order_update (th)")
        page.fill("#template-var-1", "A-1001")
        page.fill("#template-var-2", "จัดส่งแล้ว")
        expect(page.locator("#template-preview")).to_have_text("คำสั่งซื้อ A-1001 ของคุณ: จัดส่งแล้ว")
        page.get_by_role("button", name="Send template").click()
        expect(page.locator("#messages .msg.out", has_text="คำสั่งซื้อ A-1001")).to_be_visible()
        deadline = time.monotonic() + 20
        while not wa.sent and time.monotonic() < deadline:
            time.sleep(0.2)  # the running server's scheduler sends it
        assert wa.sent and wa.sent[0]["type"] == "template"
        params = wa.sent[0]["template"]["components"][0]["parameters"]
        assert [p["text"] for p in params] == ["A-1001", "จัดส่งแล้ว"]
        # WhatsApp reports it read: the reply's delivery state changes live, without a reload
        delivery = page.locator("#messages .msg.out", has_text="คำสั่งซื้อ A-1001").locator(".delivery")
        expect(delivery).to_contain_text("sent")
        headers, body = wa.delivery(wa.status(wa.sent[0]["id"], "read"))
        assert (
            httpx.post(
                f"{base}/api/channels/{wa_ch['id']}/webhook", content=body, headers=headers
            ).status_code
            == 200
        )
        expect(delivery).to_contain_text("read by the customer")
        ctx.close()
