"""A brand manager creates a stream in the browser, sees its matches arrive live, promotes one; a
spike in a stream's negative mentions appears on the page as a sentence.

The server (`murmur serve` with its scheduler) searches an X recent-search stand-in, reached
through a connected X account whose base_url and token the stream borrows. Also checked at
390 px: the page does not scroll sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from connectors.types import Author, InboundMessage
from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from inbox.listening.mentions import store_found
from inbox.listening.streams import create_stream, update_stream
from inbox.store.context import Inbox
from inbox.store.models import Conversation, Mention
from tests.e2e.conftest import PASSWORD
from tests.standins.search import Corpus, XSearchStandIn

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def x_api(server: dict[str, Any]) -> Iterator[XSearchStandIn]:
    import time

    corpus = Corpus(time.time)
    with XSearchStandIn(corpus=corpus) as api:
        create_channel(
            server["inbox"],
            None,
            "x",
            "Acme on X",
            {"user_id": "1", "base_url": api.base_url},
            {"bearer_token": "x-token"},
            team_id=1,
        )
        yield api


@pytest.fixture(scope="module")
def manager(server: dict[str, Any]) -> int:
    return create_agent(
        server["inbox"], "brand@example.com", PASSWORD, "supervisor", "Bea", teams=["Support"]
    )


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "brand@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def test_create_a_stream_see_matches_live_and_promote_one(
    server: dict[str, Any], x_api: XSearchStandIn, manager: int, page: Any
) -> None:
    base = server["base"]
    corpus = x_api.corpus
    corpus.add("The new Kestrel phone is lovely", author="ana", followers=52_000)
    corpus.add("kestrel hiring event downtown", author="hr")  # excluded by the stream
    _login(page, base)
    page.goto(f"{base}/listening")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bonline\b"))
    page.click("#new-stream")
    page.fill("#s-name", "Kestrel")
    page.fill("#s-keywords", "kestrel")
    page.fill("#s-exclusions", "hiring")
    for net in ("mastodon", "bluesky", "reddit"):
        page.uncheck(f'input[name="network"][value="{net}"]')
    page.click("#save-stream")
    expect(page.locator(".stream-item .name", has_text="Kestrel")).to_be_visible()
    # the scheduler's first search finds the post already out there; it arrives without a reload
    first = page.locator(".mention", has_text="The new Kestrel phone is lovely")
    expect(first).to_be_visible(timeout=30_000)
    corpus.add("My kestrel phone broke after a day, terrible", author="ben", followers=80)
    page.click(".stream-item button:text('Search now')")
    second = page.locator(".mention", has_text="My kestrel phone broke after a day")
    expect(second).to_be_visible(timeout=15_000)
    expect(page.locator(".mention", has_text="hiring event")).to_have_count(0)
    second.locator("button.promote").click()
    link = second.locator("a.promoted")
    expect(link).to_be_visible()
    with server["inbox"].read() as s:
        m = s.scalars(select(Mention).where(Mention.text.like("%broke after a day%"))).one()
        conv = s.get(Conversation, m.conversation_id)
    assert conv is not None and link.get_attribute("href") == f"/?conversation={conv.id}"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/listening")
    expect(page.locator(".mention").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_spike_alert_appears_with_its_sentence(server: dict[str, Any], manager: int, page: Any) -> None:
    base = server["base"]
    step = 300
    now = datetime.now(UTC)
    last_closed = datetime.fromtimestamp(now.timestamp() - now.timestamp() % step - step, UTC)
    at = {"t": last_closed - timedelta(seconds=step * 12)}
    past = Inbox.from_url(
        server["inbox"].engine.url.render_as_string(hide_password=False), "e2e-secret", clock=lambda: at["t"]
    )
    # made disabled and enabled once its history is in, so the server's alert job never sees it half-seeded
    stream = create_stream(
        past, manager, {"name": "Falcon", "networks": [], "query": {"keywords": ["falcon"]}, "enabled": False}
    )

    def post(ext: str, text: str) -> InboundMessage:
        return InboundMessage("x", ext, ext, Author(f"id-{ext}", f"u{ext}"), text, at["t"])

    for i in range(12):  # an hour of quiet: one ordinary mention every five minutes
        store_found(past, stream["id"], [post(f"f-q{i}", "falcon store opens at nine")])
        at["t"] += timedelta(seconds=step)
    at["t"] = last_closed + timedelta(seconds=10)
    burst = [post(f"f-b{i}", "falcon is terrible, awful, the worst, I hate it") for i in range(15)]
    store_found(past, stream["id"], burst)
    _login(page, base)
    page.goto(f"{base}/listening")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bonline\b"))
    update_stream(past, manager, stream["id"], {"enabled": True})
    past.engine.dispose()
    alert = page.locator(".alert-item a", has_text="Negative mentions on Falcon are")
    expect(alert).to_be_visible(timeout=60_000)
    assert re.search(r"\(15 in 5 minutes, usually [\d.]+\)$", alert.inner_text())
    alert.click()
    expect(page.locator("#window")).to_be_visible()
    expect(page.locator(".mention", has_text="falcon is terrible")).to_have_count(15)
