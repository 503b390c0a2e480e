"""Screenshots of every page, with the demo data, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--pages-only]

The inbox in detail (light and dark, search, phone), then every page each role opens (the pages
in the shell's navigation, the drill-down, the phone menu and customer pane, 403 and 404) at
1440x900 and 390x844 as `page-<name>-desktop.png` / `page-<name>-phone.png`.

Starts its demo with `scripts/screenshot_server.py` (migrate + demo, the demo channel delivering
every second), waits for the demo conversations, and drives headless Debian Chromium.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshot_server import (  # noqa: E402
    DESKTOP,
    LOGIN,
    PHONE,
    demo_server,
)


def speed_up_demo(url: str) -> None:
    """Six demo messages a poll instead of two, so the pictures have a full queue sooner."""
    from inbox.store.context import Inbox
    from inbox.store.models import ChannelAccount

    inbox = Inbox.from_url(url, "screenshots")
    with inbox.unit_of_work() as uow:
        for ch in uow.session.query(ChannelAccount).filter_by(kind="demo"):
            ch.settings = {**ch.settings, "batch_size": 6}
    inbox.engine.dispose()


def wait_for_conversations(base: str, token: str, n: int, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        res = httpx.get(f"{base}/api/conversations?limit=200", headers={"Authorization": f"Bearer {token}"})
        if res.status_code == 200 and len(res.json()["conversations"]) >= n:
            return
        time.sleep(0.5)


def login(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", LOGIN[0])
    page.fill("#password", LOGIN[1])
    page.click("button[type=submit]")
    expect(page.locator("#connection.online")).to_be_visible()
    expect(page.locator("#queue .queue-item").first).to_be_visible()


def open_busiest(page: Page, why: bool = True) -> None:
    """Open the top conversation and, if asked, expand why it ranks there."""
    page.locator("#queue .queue-item").first.click()
    expect(page.locator("#messages .msg").first).to_be_visible()
    if why:
        page.locator("#thread-why summary").click()


def with_merge_suggestion(base: str, token: str) -> int | None:
    """The highest-ranked open conversation whose customer has a merge suggestion, to show the panel."""
    auth = {"Authorization": f"Bearer {token}"}
    for c in httpx.get(f"{base}/api/conversations?limit=50", headers=auth).json()["conversations"]:
        res = httpx.get(f"{base}/api/customers/{c['customer_id']}/merge-suggestions", headers=auth)
        if res.status_code == 200 and res.json()["suggestions"]:
            return c["id"]
    return None


ROLES = {"agent": "somchai@murmur.local", "supervisor": LOGIN[0], "admin": "admin@murmur.local"}
# (name, role, path): what each role works with; pages the navigation offers beyond these
# (added by later work) are shot too, as page-<path>.
PAGES = [
    ("inbox", "agent", "/"),
    ("dashboard", "supervisor", "/dashboard"),
    ("dashboard-messages", "supervisor", "/dashboard/messages"),
    ("winback", "supervisor", "/winback"),
    ("customers", "supervisor", "/customers"),
    ("rules", "supervisor", "/rules"),
    ("sla", "supervisor", "/sla"),
    ("team", "supervisor", "/team"),
    ("admin-channels", "admin", "/admin/channels"),
    ("error-403", "agent", "/admin/channels"),
    ("error-404", "agent", "/no-such-page"),
]


def add_webhook_channel(url: str) -> None:
    """A webhook channel with a reply URL, so the Channels page shows how one is connected."""
    from inbox.channels.accounts import create_channel
    from inbox.store.context import Inbox

    inbox = Inbox.from_url(url, "screenshots")
    create_channel(
        inbox, None, "webhook", "Shop backend", {"reply_url": "https://shop.example/murmur/replies"}, {}, 1
    )
    inbox.engine.dispose()


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", LOGIN[1])
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def settle(page: Page, path: str) -> None:
    """Wait for what the page's script draws."""
    if path == "/":
        expect(page.locator("#queue .queue-item").first).to_be_visible()
    elif path == "/admin/channels" and page.locator("#channel-rows").count():
        expect(page.locator("#channel-rows tr").first).to_be_visible()
        more = page.locator("#channel-rows button", has_text="How to connect")
        if more.count():
            more.first.click()
            expect(page.locator(".channel-details")).to_be_visible()
    elif path.startswith("/dashboard") and page.locator("#chart-volume").count():
        expect(page.locator("#chart-volume canvas")).to_be_visible()
        expect(page.locator("#chart-topics canvas, #topics-empty:not([hidden])").first).to_be_visible()
        page.wait_for_timeout(500)
    elif path in ("/rules", "/sla", "/team"):
        page.wait_for_timeout(800)
    page.wait_for_timeout(300)


def every_page(browser: object, base: str, out: Path) -> None:
    """Each page of each role at desktop and phone size."""
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        phone = size == "phone"
        ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)  # type: ignore[attr-defined]
        page = ctx.new_page()
        page.goto(f"{base}/login")
        shoot(page, out / f"page-login-{size}.png")
        done: set[str] = set()
        for role, email in ROLES.items():
            sign_in(page, base, email)
            nav = page.eval_on_selector_all(".manage-nav a", "els => els.map((a) => a.getAttribute('href'))")
            extra = [
                (p.strip("/").replace("/", "-"), role, p)
                for p in nav
                if p not in {x[2] for x in PAGES} | {"/search"}
            ]
            for name, who, path in [*PAGES, *extra]:
                if who != role or name in done:
                    continue
                done.add(name)
                page.goto(base + path)
                settle(page, path)
                shoot(page, out / f"page-{name}-{size}.png")
                if name == "inbox":
                    page.locator("#queue .queue-item").first.click()
                    expect(page.locator("#messages .msg").first).to_be_visible()
                    shoot(page, out / f"page-inbox-conversation-{size}.png")
                    if phone:
                        page.click("#customer-toggle")
                        expect(page.locator("#customer-name")).to_be_visible()
                        shoot(page, out / "page-inbox-customer-phone.png")
                        page.click("#customer-back")
                        page.click("#back")
                        page.click("#nav-toggle")
                        expect(page.locator("#sign-out")).to_be_visible()
                        shoot(page, out / "page-menu-phone.png")
            page.goto(base + "/")
            if phone:
                page.click("#nav-toggle")
            page.click("#sign-out")
            page.wait_for_url(f"{base}/login")
        ctx.close()


def dashboard_pages(browser: object, base: str, out: Path) -> None:
    """The dashboard on the demo's history: desktop (the first screen and the whole page, light and
    dark) and phone, each as a brand manager first sees it (last 7 days, the battery spike in it)."""
    for size, viewport, scheme in (
        ("desktop", DESKTOP, "light"),
        ("phone", PHONE, "light"),
        ("desktop", DESKTOP, "dark"),
    ):
        phone = size == "phone"
        ctx = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, color_scheme=scheme)  # type: ignore[attr-defined]
        page = ctx.new_page()
        sign_in(page, base, ROLES["supervisor"])
        page.goto(f"{base}/dashboard")
        settle(page, "/dashboard")
        dark = "-dark" if scheme == "dark" else ""
        shoot(page, out / f"page-dashboard-{size}{dark}.png")
        if scheme == "light":
            shoot(page, out / f"dashboard-full-{size}.png", full=True)
        if size == "desktop" and scheme == "light":
            page.goto(f"{base}/dashboard?period=90d")
            page.select_option("#split-by", "language")
            page.wait_for_timeout(800)
            shoot(page, out / "dashboard-90d-by-language-desktop.png")
        ctx.close()


def shoot(page: Page, path: Path, full: bool = False) -> None:
    page.wait_for_timeout(200)  # let the flash animation settle so the picture is calm
    page.screenshot(path=str(path), full_page=full)
    print(f"{path} {path.stat().st_size // 1024} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--conversations", type=int, default=12, help="wait for this many demo conversations")
    parser.add_argument("--pages-only", action="store_true", help="only the every-page pass")
    parser.add_argument("--dashboard-only", action="store_true", help="only the dashboard's pictures")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def prepare(url: str) -> None:
        speed_up_demo(url)
        add_webhook_channel(url)

    with demo_server(demo_args=("--poll-seconds", "5"), prepare=prepare, token_for=LOGIN[0]) as demo:
        base, token, browser = demo.base, demo.token, demo.browser
        wait_for_conversations(base, token, args.conversations)
        dashboard_pages(browser, base, out)
        if args.dashboard_only:
            return
        every_page(browser, base, out)
        for scheme in () if args.pages_only else ("light", "dark"):
            ctx = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
            page = ctx.new_page()
            if scheme == "light":
                page.goto(f"{base}/login")
                shoot(page, out / "login.png")
            login(page, base)
            target = with_merge_suggestion(base, token) if scheme == "light" else None
            if target is not None:
                page.locator(f'#queue .queue-item[data-id="{target}"]').click()
                expect(page.locator("#messages .msg").first).to_be_visible()
                expect(page.locator("#suggestions .suggestion").first).to_be_visible()
                page.locator("#thread-why summary").click()
            else:
                open_busiest(page)
            if scheme == "light":
                page.fill("#label-input", "refund")
                page.press("#label-input", "Enter")
                expect(page.locator("#label-chips li", has_text="refund")).to_be_visible()
                page.fill("#reply-text", "/")
                expect(page.locator("#canned li").first).to_be_visible()
                page.keyboard.press("Enter")
                page.click("#reply-form button[type=submit]")
                expect(page.locator("#messages .msg.out .delivery.sent").last).to_be_visible(timeout=15_000)
                page.check("#reply-private")
                page.fill(
                    "#reply-text",
                    "Checked the courier: parcel is at the depot. Following up tomorrow.",
                )
                page.click("#reply-form button[type=submit]")
                expect(page.locator("#messages .msg.note").last).to_be_visible()
                page.locator("#queue li .prio").nth(1).click()
                page.check("#reply-public")
                for i in (2, 3):
                    page.locator("#queue li input.pick").nth(i).check()
                expect(page.locator("#bulk")).to_be_visible()
                page.fill("#reply-text", "Hi! /re")
                expect(page.locator("#canned li").first).to_be_visible()
            else:
                page.click("#snooze")
                expect(page.locator("#snooze-menu")).to_be_visible()
            shoot(page, out / f"inbox-desktop{'-dark' if scheme == 'dark' else ''}.png")
            if scheme == "light":
                page.keyboard.press("Escape")
                page.locator("#search").fill("refund")
                expect(page.locator("#search-results mark").first).to_be_visible()
                shoot(page, out / "inbox-search.png")
            ctx.close()
        if not args.pages_only:
            ctx = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
            page = ctx.new_page()
            login(page, base)
            shoot(page, out / "inbox-phone-queue.png")
            open_busiest(page, why=False)
            shoot(page, out / "inbox-phone-conversation.png")
            ctx.close()


if __name__ == "__main__":
    main()
