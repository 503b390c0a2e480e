"""An attachment in a real browser: a Telegram photo arrives through the running server's own
scheduler (poll, then the media fetch job through getFile), the agent watching the thread sees
the message live, then its thumbnail, and opens the full image; the image is Murmur's own
access-checked URL, never the network's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from inbox.channels.accounts import create_channel
from tests.e2e.conftest import login
from tests.standins.media import TelegramMediaStandIn, jpeg_bytes

pytestmark = pytest.mark.e2e


def test_telegram_photo_shows_as_a_thumbnail(server: dict[str, Any], page: Any) -> None:
    photo = jpeg_bytes(1024, 768)
    with TelegramMediaStandIn() as tg:
        login(page, server["base"])
        tg.photo_update("AgACAgIAAxkBAAJourney", photo, caption="Parcel arrived crushed, photo attached")
        create_channel(
            server["inbox"],
            None,
            "telegram",
            "Support bot",
            {"base_url": tg.base_url, "timeout": 2.0},
            {"bot_token": tg.token},
            team_id=1,
        )
        row = page.locator("#queue li", has_text="Parcel arrived crushed")
        expect(row).to_be_visible(timeout=20_000)
        row.locator(".queue-item").click()
        thumb = page.locator("#messages .att.image img.thumb")
        expect(thumb).to_be_visible(timeout=20_000)  # the fetch job ran; the update came live
        src = thumb.get_attribute("src")
        assert src and src.startswith("/api/attachments/") and src.endswith("/thumbnail")
        # visible is not loaded (the thumbnail is lazy): wait for the image itself, then check its size
        img = thumb.element_handle()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img, timeout=20_000)
        assert page.evaluate("(img) => img.naturalWidth", img) == 320
        full = page.locator("#messages .att.image a").get_attribute("href")
        assert full and full.startswith("/api/attachments/")
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        res = httpx.get(server["base"] + full, cookies=cookies)
        assert res.status_code == 200 and res.content == photo
        assert (
            res.headers["content-type"] == "image/jpeg" and res.headers["x-content-type-options"] == "nosniff"
        )
        assert httpx.get(server["base"] + full).status_code in (401, 302)  # not without a session
