"""Screenshots of the inbox and the login page, with the demo data, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts its own `murmur serve` on a temporary SQLite database (migrate + demo, the demo channel
delivering every second), waits for the demo conversations, and drives headless Debian Chromium.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.processes import MURMUR, free_port, serve  # noqa: E402

CHROMIUM = os.environ.get("MURMUR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOGIN = ("demo@murmur.local", "murmur-demo")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


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


def shoot(page: Page, path: Path, full: bool = False) -> None:
    page.wait_for_timeout(200)  # let the flash animation settle so the picture is calm
    page.screenshot(path=str(path), full_page=full)
    print(f"{path} {path.stat().st_size // 1024} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--conversations", type=int, default=12, help="wait for this many demo conversations")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "MURMUR_INSTANCE_PATH": tmp,
            "MURMUR_DATABASE_URL": f"sqlite:///{tmp}/murmur.db",
            "MURMUR_SECRET_KEY": "screenshots",
            "MURMUR_SCHEDULER": "1",
        }
        run_env = {**os.environ, **env}
        for cmd in (["migrate"], ["demo", "--poll-seconds", "5"]):
            subprocess.run([MURMUR, *cmd], env=run_env, cwd=ROOT, check=True, capture_output=True)
        speed_up_demo(env["MURMUR_DATABASE_URL"])
        token = (
            subprocess.run(
                [MURMUR, "create-token", "--email", LOGIN[0]],
                env=run_env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        proc = serve(env, port, Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_conversations(base, token, args.conversations)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for scheme in ("light", "dark"):
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
                        expect(page.locator("#messages .msg.out .delivery.sent").last).to_be_visible(
                            timeout=15_000
                        )
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
                ctx = browser.new_context(
                    viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
                )
                page = ctx.new_page()
                login(page, base)
                shoot(page, out / "inbox-phone-queue.png")
                open_busiest(page, why=False)
                shoot(page, out / "inbox-phone-conversation.png")
                ctx.close()
                browser.close()
        finally:
            proc.stop()


if __name__ == "__main__":
    main()
