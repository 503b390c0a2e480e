"""The website chat in a real browser: a visitor on the brand's site (another origin) chats in Thai with
an agent in the inbox, live both ways; a verified visitor lands on their customer; a site that is not
allowed cannot show the widget; a visitor cannot read another's chat by guessing."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from connectors.webhook import sign
from connectors.widget import identity_hash
from inbox.channels.accounts import create_channel
from inbox.store.models import Conversation, Customer
from tests.e2e.conftest import login
from tests.processes import ROOT, free_port

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "screenshots"


class Site:
    """A brand's website on its own origin (http://localhost:<port>), with Murmur's snippet pasted in."""

    def __init__(self, murmur: str, channel: int, user: str = "") -> None:
        page = (
            "<!doctype html><html lang='th'><head><meta charset='utf-8'><title>Shop</title></head><body>"
            f"<h1>Shop</h1>{user}<script src='{murmur}/widget/loader.js' data-murmur-widget='{channel}' "
            "data-lang='th' async></script></body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def widget(server: dict[str, Any]) -> Iterator[dict[str, Any]]:
    allowed_port = free_port()
    channel, generated = create_channel(
        server["inbox"],
        None,
        "widget",
        "Website",
        {
            "allowed_origins": [f"http://localhost:{allowed_port}"],
            "display_name": "Shop Help",
            "prechat": "name_email",
        },
        {},
        team_id=1,
    )
    yield {"channel": channel["id"], "secret": generated["identity_secret"], "port": allowed_port}


def site_on(port: int, server: dict[str, Any], channel: int, user: str = "") -> Site:
    site = Site(server["base"], channel, user)
    if port:  # serve on the allowed port: close the one Site chose and rebind
        site.close()
        site.port = port
        site.httpd = ThreadingHTTPServer(("127.0.0.1", port), site.httpd.RequestHandlerClass)
        threading.Thread(target=site.httpd.serve_forever, daemon=True).start()
        site.url = f"http://localhost:{port}/"
    return site


def open_chat(page: Any) -> Any:
    page.click("#murmur-bubble")
    frame = page.frame_locator("#murmur-frame")
    return frame


def test_a_visitor_chats_in_thai_with_an_agent_live(server, widget, browser):
    """Set MURMUR_SCREENSHOTS=1 to also write docs/screenshots/widget-phone.png and widget-agent-desktop.png."""
    site = site_on(widget["port"], server, widget["channel"])
    visitor_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    agent_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        visitor = visitor_ctx.new_page()
        visitor.set_default_timeout(10_000)
        visitor.goto(site.url)
        chat = open_chat(visitor)
        expect(chat.locator("#name")).to_have_text("Shop Help")
        chat.locator("#pc-name").fill("ปลา")
        chat.locator("#pc-email").fill("pla@example.com")
        chat.locator("#pc-start").click()
        chat.locator("#text").fill("สินค้ายังไม่มาถึงเลย รอมาสองอาทิตย์แล้ว แย่มาก ไม่พอใจเลย")
        chat.locator("#send").click()
        expect(chat.locator("#messages li.mine")).to_contain_text("แย่มาก")

        agent = agent_ctx.new_page()
        agent.set_default_timeout(10_000)
        login(agent, server["base"])
        item = agent.locator("#queue .queue-item", has_text="แย่มาก")
        expect(item).to_be_visible()
        expect(
            agent.locator("#queue li.neg", has_text="แย่มาก")
        ).to_be_visible()  # scored negative, as the inbox ranks it
        item.click()
        expect(agent.locator("#messages .msg.in")).to_contain_text("ไม่พอใจ")

        chat.locator("#text").press_sequentially("ข")  # the visitor types: the agent sees it
        expect(agent.locator("#typing")).to_have_text("The customer is typing…")
        agent.locator("#reply-text").press_sequentially("ขอโทษ")  # the agent types: the visitor sees it
        expect(chat.locator("#typing")).to_contain_text("Shop Help")
        agent.fill("#reply-text", "ขออภัยค่ะ เราจะตรวจสอบพัสดุให้ทันทีค่ะ")
        agent.click("#reply-form button[type=submit]")
        reply = chat.locator("#messages li.theirs", has_text="ตรวจสอบพัสดุ")
        expect(reply).to_be_visible()
        expect(reply.locator(".who")).to_have_text("Shop Help")  # never the agent's own name
        expect(chat.locator("#messages")).not_to_contain_text("Ada")
        if os.environ.get("MURMUR_SCREENSHOTS"):  # docs/screenshots/widget-*.png for the README
            visitor.screenshot(path=str(SHOTS / "widget-phone.png"))
            agent.screenshot(path=str(SHOTS / "widget-agent-desktop.png"))

        # another visitor, guessing: the API names no conversation, and tokens cannot be forged
        stranger = browser.new_context().new_page()
        stranger.goto(site.url)  # a script on the brand's page cannot call the visitor API at all (no CORS)
        assert (
            stranger.evaluate(
                "async (u) => { try { await fetch(u, {method: 'POST', body: '{}'}); return 'read'; } catch (e) { return 'refused'; } }",
                f"{server['base']}/widget/{widget['channel']}/api/session",
            )
            == "refused"
        )
        stranger.goto(
            f"{server['base']}/widget/{widget['channel']}/frame"
        )  # a visitor with devtools, same origin
        guessed = stranger.evaluate(
            """async ([base, ch]) => {
                const s = await (await fetch(`${base}/widget/${ch}/api/session`, {method: "POST",
                    headers: {"Content-Type": "application/json"}, body: "{}"})).json();
                const mine = await (await fetch(`${base}/widget/${ch}/api/messages`,
                    {headers: {Authorization: "Bearer " + s.token}})).json();
                const forged = await fetch(`${base}/widget/${ch}/api/messages`,
                    {headers: {Authorization: "Bearer v:guess.0000"}});
                return [mine.messages.length, forged.status];
            }""",
            [server["base"], widget["channel"]],
        )
        assert guessed == [0, 401]
        stranger.context.close()
    finally:
        visitor_ctx.close()
        agent_ctx.close()
        site.close()


def test_a_site_that_is_not_allowed_cannot_show_the_widget(server, widget, browser):
    site = Site(server["base"], widget["channel"])  # a different port: another origin
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.set_default_timeout(5_000)
        page.goto(site.url)
        page.click("#murmur-bubble")
        page.wait_for_selector("#murmur-frame")
        page.wait_for_timeout(1000)
        frame = next(f for f in page.frames if f != page.main_frame)
        # the browser refused Murmur's frame (CSP frame-ancestors): no chat inside it
        assert frame.url.startswith("chrome-error://") or frame.locator("#chat").count() == 0
    finally:
        ctx.close()
        site.close()


def test_a_verified_visitor_lands_on_their_customer(server, widget, browser):
    body = json.dumps(
        {
            "id": "known-1",
            "text": "where is my refund?",
            "author": {"id": "c-v", "handle": "mali", "email": "mali@example.com"},
        }
    ).encode()
    res = httpx.post(
        f"{server['base']}/api/channels/{server['channel']}/webhook",
        content=body,
        headers=sign(server["secret"], body, int(time.time())),
    )
    assert res.status_code == 200, res.text
    with server["inbox"].read() as s:
        customer = s.scalar(select(Customer.id).where(Customer.email == "mali@example.com"))
    user = (
        "<script>window.murmurUser = {user_id: 'shop-user-7', user_hash: '"
        + identity_hash(widget["secret"], "shop-user-7")
        + "', name: 'Mali', email: 'mali@example.com'};</script>"
    )
    site = site_on(widget["port"], server, widget["channel"], user)
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.goto(site.url)
        chat = open_chat(page)
        chat.locator("#text").fill("ยังไม่ได้รับเงินคืนเลยค่ะ")  # no pre-chat form: the site vouched for her
        chat.locator("#send").click()
        expect(chat.locator("#messages li.mine")).to_contain_text("เงินคืน")
        with server["inbox"].read() as s:
            conv = s.scalars(
                select(Conversation)
                .where(Conversation.channel_account_id == widget["channel"])
                .order_by(Conversation.id.desc())
            ).first()
            assert conv.customer_id == customer
    finally:
        ctx.close()
        site.close()
