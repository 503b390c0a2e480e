"""The admin console in a real browser: a team with least-loaded routing, an invited agent who
sets a password and signs in, capacity 2 and a third conversation waiting with its reason; a
canned reply with a Thai variant used on a Thai conversation; a read-only token used (a write
answers 403) and revoked (the next call answers 401); the audit entries of all of it."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from connectors.webhook import sign
from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e
THAI = [
    "สินค้ายังไม่มาถึงเลยค่ะ รอมาสองอาทิตย์แล้ว",
    "อยากเปลี่ยนไซส์รองเท้าค่ะ ต้องทำอย่างไร",
    "สั่งของไปแล้วแต่ยังไม่ได้รับอีเมลยืนยันเลยครับ",
]


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#connection.online")


def _push(base: str, channel: int, secret: str, ext_id: str, text: str, author: str) -> None:
    payload = {
        "id": ext_id,
        "text": text,
        "language": "th",
        "author": {"id": author, "handle": author, "name": f"คุณ{author}"},
    }
    body = json.dumps(payload).encode()
    res = httpx.post(
        f"{base}/api/channels/{channel}/webhook", content=body, headers=sign(secret, body, int(time.time()))
    )
    assert res.status_code == 200, res.text


def test_admin_console_journey(server: dict[str, Any], browser: Any) -> None:
    base, inbox = server["base"], server["inbox"]
    create_agent(inbox, "root@example.com", PASSWORD, "admin", "Robin Admin", teams=[])
    admin_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    admin = admin_ctx.new_page()
    admin.set_default_timeout(15_000)
    admin.on("dialog", lambda d: d.accept())
    _sign_in(admin, base, "root@example.com", PASSWORD)

    # a team, then least-loaded routing set on it
    admin.goto(f"{base}/admin/teams")
    expect(admin.get_by_role("heading", name="Teams")).to_be_visible()
    admin.fill("#team-name", "Thai desk")
    admin.click("#team-form button[type=submit]")
    expect(admin.locator("#team-result")).to_contain_text("Team Thai desk created.")
    row = admin.locator("#team-rows tr", has_text="Thai desk")
    row.get_by_label("Routing of Thai desk").select_option("least_loaded")
    expect(admin.locator("#team-result")).to_contain_text("Thai desk now routes to the least loaded agent")

    # invite an agent into it; the one-time link is shown once
    admin.fill("#invite-email", "nok@example.com")
    admin.fill("#invite-name", "Nok")
    admin.select_option("#invite-team", label="Thai desk")
    admin.locator("#invite-languages summary").click()  # English is ticked already
    admin.locator("#invite-languages input[value=th]").check()
    expect(admin.locator("#invite-languages summary")).to_have_text("English, ไทย")
    admin.click("#invite-form button[type=submit]")
    link = admin.locator("#invite-link").text_content()
    assert link and "/invite/" in link

    # capacity 2, set in the agents table
    nok_row = admin.locator("#agent-rows tr", has_text="nok@example.com")
    nok_row.get_by_label("Capacity of Nok").fill("2")
    nok_row.get_by_label("Capacity of Nok").press("Tab")
    expect(admin.locator("#agent-result")).to_contain_text("Capacity of Nok is 2.")
    # the languages picker shows what the invitation set, named in their own words, and saves a tick
    langs = nok_row.locator("details.lang-pick")
    expect(langs.locator("summary")).to_have_text("English, ไทย")
    langs.locator("summary").click()
    langs.locator("input[value=zh]").check()
    expect(admin.locator("#agent-result")).to_contain_text("Languages of Nok saved.")
    expect(langs.locator("input[value=ja]")).to_be_visible()  # still open for the next tick
    langs.locator("input[value=zh]").uncheck()
    expect(langs.locator("summary")).to_have_text("English, ไทย")

    # Nok follows the link, chooses a password and signs in
    nok_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    nok = nok_ctx.new_page()
    nok.set_default_timeout(15_000)
    nok.goto(link)
    nok.fill("#password", "nok's own password")
    nok.fill("#confirm", "nok's own password")
    nok.click("button[type=submit]")
    expect(nok.locator("#email")).to_be_visible()  # back on sign-in
    _sign_in(nok, base, "nok@example.com", "nok's own password")

    # three Thai conversations for the team: Nok takes two, the third waits and says why
    team_id = int(row.get_attribute("data-team") or 0)
    # with somewhere to deliver replies, or the composer offers only private notes
    replies_to = {"reply_url": server["receiver"].url}
    hook, generated = create_channel(inbox, None, "webhook", "Thai shop", replies_to, {}, team_id=team_id)
    for i, text in enumerate(THAI):
        _push(base, hook["id"], generated["webhook_secret"], f"th-{i}", text, f"c{i}")
    expect(nok.locator("#queue .queue-item")).to_have_count(3)  # the team's queue
    expect(nok.locator("#queue .assignee.mine")).to_have_count(2)
    admin.goto(f"{base}/admin/teams")
    waiting = admin.locator("#team-rows tr", has_text="Thai desk").locator("td.queued")
    expect(waiting.locator("b")).to_have_text("1")
    expect(waiting.locator(".reason")).to_contain_text("capacity")
    expect(waiting.locator(".reason")).to_contain_text("of Thai desk")  # the team by name, not "team 3"

    # a canned reply with a Thai variant
    admin.goto(f"{base}/admin/canned")
    admin.fill("#canned-shortcut", "thanks-th")
    admin.fill("#canned-text", "Thank you {name}, we are on it.")
    admin.click("#add-variant")
    admin.locator(".variant-lang").fill("th")
    admin.locator(".variant-text").fill("ขอบคุณค่ะ {name} เรากำลังดูให้นะคะ")
    admin.click("#canned-save")
    expect(admin.locator("#canned-result")).to_contain_text("Saved /thanks-th.")
    expect(admin.locator("#canned-rows tr", has_text="/thanks-th")).to_contain_text("th")

    # ... offered in Thai on a Thai conversation
    nok.locator("#queue .queue-item", has=nok.locator(".assignee.mine")).first.click()
    box = nok.locator("#reply-text")
    box.click()
    box.press_sequentially("/thanks-t")
    expect(nok.locator("#canned li[aria-selected=true]")).to_contain_text("ขอบคุณค่ะ")
    box.press("Enter")
    expect(box).to_have_value(re.compile(r"^ขอบคุณค่ะ \S+ เรากำลังดูให้นะคะ$"))  # {name} filled in
    box.press("Control+Enter")
    # the reply is drawn once its POST returns: past expect's 5 s default on a loaded machine
    expect(nok.locator("#messages .msg.out")).to_contain_text("ขอบคุณค่ะ", timeout=15_000)

    # a read-only token: reads, cannot write, revoked means 401 on the next call
    admin.goto(f"{base}/admin/tokens")
    admin.fill("#token-name", "read-only report")
    admin.click("#token-form button[type=submit]")
    secret = admin.locator("#token-secret").text_content()
    assert secret and secret.startswith("mur_")
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{base}/api/conversations", headers=auth).status_code == 200
    res = httpx.post(f"{base}/api/admin/teams", json={"name": "Sneaky"}, headers=auth)
    assert res.status_code == 403
    res = httpx.patch(f"{base}/api/conversations/1", json={"status": "resolved"}, headers=auth)
    assert res.status_code == 403
    admin.reload()  # the list now says when the token was last used
    token_row = admin.locator("#token-rows tr", has_text="read-only report")
    expect(token_row.locator("td").nth(5)).not_to_have_text("—")
    token_row.get_by_role("button", name="Revoke read-only report").click()
    expect(token_row.locator(".state-revoked")).to_have_text("revoked")
    assert httpx.get(f"{base}/api/conversations", headers=auth).status_code == 401

    # the audit log has it all
    admin.goto(f"{base}/admin/audit")
    actions = admin.locator("#audit-rows td.action")
    expect(actions.first).to_be_visible()
    seen = set(actions.all_text_contents())
    for wanted in (
        "team.created",
        "team.routing",
        "agent.invited",
        "agent.capacity",
        "agent.invite_accepted",
        "canned.created",
        "token.created",
        "token.revoked",
    ):
        assert wanted in seen, (wanted, seen)
    admin.fill("#f-action", "token.")
    admin.click("#audit-filter button[type=submit]")
    expect(actions).to_have_count(2)
    assert set(actions.all_text_contents()) == {"token.created", "token.revoked"}
    admin_ctx.close()
    nok_ctx.close()


def test_webhooks_page_subscribes_shows_deliveries_and_replays(server: dict[str, Any], browser: Any) -> None:
    base, inbox, receiver = server["base"], server["inbox"], server["receiver"]
    create_agent(inbox, "hooks@example.com", PASSWORD, "admin", "Harper Hooks", teams=[])
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    _sign_in(page, base, "hooks@example.com", PASSWORD)
    page.goto(f"{base}/admin/webhooks")
    page.fill("#sub-name", "CRM sync")
    page.fill("#sub-url", receiver.url)
    page.select_option("#sub-events", ["conversation.created"])
    page.click("#sub-form button[type=submit]")
    expect(page.locator("#sub-result .secret-once")).not_to_be_empty()
    expect(page.locator("#sub-rows tr", has_text="CRM sync")).to_contain_text("conversation.created")

    before = len(receiver.bodies)
    hook, generated = create_channel(inbox, None, "webhook", "Hooked shop", {}, {}, team_id=1)
    _push(base, hook["id"], generated["webhook_secret"], "hook-1", "สวัสดีค่ะ มีคำถามเรื่องสินค้า", "hk")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(receiver.bodies) == before:
        time.sleep(0.2)
    assert len(receiver.bodies) > before, "the subscription was not delivered"

    page.select_option("#delivery-status", "sent")
    row = page.locator("#delivery-rows tr", has_text="conversation.created").first
    # the receiver has the body a moment before the delivery is recorded as sent: filter until it is
    deadline = time.monotonic() + 15
    while True:
        page.click("#delivery-filter button[type=submit]")
        page.wait_for_timeout(300)
        if row.count() or time.monotonic() > deadline:
            break
    expect(row).to_contain_text("sent")
    row.get_by_role("button", name=re.compile("Replay delivery")).click()
    expect(page.locator("#delivery-result")).to_contain_text("Queued again as delivery")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(receiver.bodies) < before + 2:
        time.sleep(0.2)
    assert len(receiver.bodies) >= before + 2, "the replay was not delivered"
    ctx.close()
