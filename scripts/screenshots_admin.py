"""Screenshots of the admin console (teams, canned replies, tokens, webhooks, audit log) at
1440x900 and 390x844, with the demo data, for docs/screenshots/.

    .venv/bin/python scripts/screenshots_admin.py [--out docs/screenshots]

Starts its demo with `scripts/screenshot_server.py` (migrate + demo), fills the console
through the REST API as the demo admin (a team, an invite, a Thai canned variant, tokens, a
webhook subscription), and drives headless Debian Chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshot_server import DESKTOP, PHONE, demo_server, sign_in  # noqa: E402

ADMIN = ("admin@murmur.local", "murmur-demo")
SIZES = {"desktop": DESKTOP, "phone": PHONE}
PAGES = {
    "teams": ("/admin/teams", "#team-rows tr"),
    "canned": ("/admin/canned", "#canned-rows tr"),
    "tokens": ("/admin/tokens", "#token-rows tr"),
    "webhooks": ("/admin/webhooks", "#sub-rows tr"),
    "audit": ("/admin/audit", "#audit-rows tr"),
}


def fill_console(base: str, token: str) -> None:
    """What an admin's first hour leaves behind, made through the API the pages use."""
    auth = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: dict) -> dict:
        res = httpx.request(method, base + path, json=body, headers=auth, timeout=30)
        res.raise_for_status()
        return res.json()

    team = call("POST", "/api/admin/teams", {"name": "Thai desk", "routing_strategy": "least_loaded"})
    call(
        "POST",
        "/api/admin/agents/invite",
        {
            "email": "nok@murmur.local",
            "name": "Nok",
            "team_ids": [team["id"]],
            "languages": ["th", "en"],
            "capacity": 2,
        },
    )
    call(
        "POST",
        "/api/canned-responses",
        {
            "shortcut": "shipping",
            "text": "Hi {name}, your parcel left our warehouse today; tracking follows by e-mail.",
            "variants": {
                "th": "สวัสดีค่ะ คุณ{name} พัสดุออกจากคลังสินค้าวันนี้แล้วค่ะ",
                "zh": "您好{name}，您的包裹今天已发出。",
            },
        },
    )
    call(
        "POST",
        "/api/admin/tokens",
        {"name": "nightly export", "scopes": ["read"], "expires_at": "2027-06-30T00:00:00Z"},
    )
    doomed = call("POST", "/api/admin/tokens", {"name": "old zapier bot", "scopes": ["read", "write"]})
    call("POST", f"/api/admin/tokens/{doomed['id']}/revoke", {})
    call(
        "POST",
        "/api/webhooks",
        {"name": "CRM sync", "url": "https://crm.example.com/murmur", "events": ["conversation.updated"]},
    )


def shoot(page: Page, path: Path) -> None:
    page.wait_for_timeout(200)
    page.screenshot(path=str(path))
    print(f"{path} {path.stat().st_size // 1024} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with demo_server(scheduler=False, token_for=ADMIN[0], token_name="screenshots") as demo:
        fill_console(demo.base, demo.token)
        for size, viewport in SIZES.items():
            ctx = demo.browser.new_context(
                viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone"
            )
            page = ctx.new_page()
            sign_in(page, demo.base, ADMIN[0], ADMIN[1])
            page.wait_for_url(f"{demo.base}/")
            for name, (path, rows) in PAGES.items():
                page.goto(demo.base + path)
                expect(page.locator(rows).first).to_be_visible()
                shoot(page, out / f"admin-{name}-{size}.png")
            ctx.close()


if __name__ == "__main__":
    main()
