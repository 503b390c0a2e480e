"""A long conversation in a real browser: it opens on its newest page, scrolling to the top
loads the older pages (what the agent was reading stays in place) until the first message, and
a live message still appends at the bottom."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from inbox.store.models import Conversation, Message
from tests.e2e import seed
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

N = 130  # the API's page is 50: three pages


def test_long_conversation_opens_newest_and_loads_older_on_scroll(server: dict[str, Any], page: Any) -> None:
    # the conversation and its newest message come through the webhook; the history before it is
    # written in one statement (a hundred more webhook posts would only slow the test down)
    seed.post(server, f"long thread line {N - 1:03d}", "long-last", "long-author", name="Lena")
    with server["inbox"].engine.begin() as conn:
        newest = conn.execute(select(Message).where(Message.external_id == "long-last")).one()
        conv = conn.execute(select(Conversation).where(Conversation.id == newest.conversation_id)).one()
        conn.execute(
            insert(Message),
            [
                {
                    "conversation_id": conv.id,
                    "channel_account_id": conv.channel_account_id,
                    "customer_id": conv.customer_id,
                    "author_identity_id": newest.author_identity_id,
                    "direction": "in",
                    "external_id": f"long-{i}",
                    "text": f"long thread line {i:03d}",
                    "public": False,
                    "created_at": newest.created_at - timedelta(minutes=N - i),
                    "received_at": newest.created_at,
                    "sentiment_reasons": [],
                }
                for i in range(N - 1)
            ],
        )
    login(page, server["base"])
    page.locator("#queue li", has_text="long thread line").locator(".queue-item").click()
    items = page.locator("#messages li.msg")
    expect(items.last).to_contain_text(f"long thread line {N - 1:03d}")
    expect(items).to_have_count(50)
    expect(items.first).to_contain_text(f"long thread line {N - 50:03d}")

    def scroll_to_top_and_wait(count: int) -> None:
        reading = items.first.inner_text()
        page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
        expect(items).to_have_count(count)
        # the message that was at the top is still in view: the older page went in above it
        top = page.locator("#messages li.msg", has_text=reading.splitlines()[-1])
        expect(top).to_be_in_viewport()
        assert page.locator("#messages").evaluate("el => el.scrollTop") > 0

    scroll_to_top_and_wait(100)
    expect(items.first).to_contain_text(f"long thread line {N - 100:03d}")
    scroll_to_top_and_wait(N)
    expect(items.first).to_contain_text("long thread line 000")
    expect(page.locator("#messages")).to_have_attribute("data-complete", "true")
    texts = [t.splitlines()[-1] for t in items.all_inner_texts()]
    assert texts == [f"long thread line {i:03d}" for i in range(N)]

    seed.post(server, "and one more, live", "long-live", "long-author", name="Lena")
    expect(items.last).to_contain_text("and one more, live")
    expect(items).to_have_count(N + 1)
