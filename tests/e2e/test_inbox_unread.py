"""Unread counts per view in a real browser: a new signed webhook message makes the All count go up live
and marks its row unread; opening it clears both; read markers survive a reload. And the desktop
notifications control says where the browser's permission stands."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e import seed
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def row(page: Any, text: str) -> Any:
    return page.locator("#queue li", has_text=text)


def test_unread_counts_update_live_and_survive_a_reload(server: dict[str, Any], page: Any) -> None:
    seed.post(server, "My order never arrived.", "unr-1", "unread-a", name="Ari")
    login(page, server["base"])
    # the Open view's count says what it counts: "N" open, then "M unread"
    all_count = page.locator('[data-unread="open"]')
    first = row(page, "My order never arrived")
    expect(first).to_have_class(_has("unread"))  # never opened by this agent
    expect(all_count).to_have_text("1 unread")

    first.locator(".queue-item").click()
    expect(page.locator("#messages")).to_contain_text("My order never arrived.")
    expect(first).not_to_have_class(_has("unread"))
    expect(all_count).to_have_text("")

    # a new conversation arrives over the socket: the count goes up and its row is unread
    seed.post(server, "Do you ship to Norway?", "unr-2", "unread-b", name="Bo")
    second = row(page, "Do you ship to Norway")
    expect(second).to_have_class(_has("unread"))
    expect(all_count).to_have_text("1 unread")
    expect(first).not_to_have_class(_has("unread"))

    second.locator(".queue-item").click()
    expect(page.locator("#messages")).to_contain_text("Do you ship to Norway?")
    expect(second).not_to_have_class(_has("unread"))
    expect(all_count).to_have_text("")

    # a new message in a conversation read earlier (not the open one) makes it unread again
    seed.post(server, "Any news on my order?", "unr-3", "unread-a", name="Ari")
    expect(first).to_have_class(_has("unread"))
    expect(all_count).to_have_text("1 unread")
    # a message into the open conversation, with the tab visible, is read at once
    seed.post(server, "Or to Sweden?", "unr-4", "unread-b", name="Bo")
    expect(page.locator("#messages")).to_contain_text("Or to Sweden?")
    expect(second).not_to_have_class(_has("unread"))
    expect(all_count).to_have_text("1 unread")

    page.reload()
    page.wait_for_selector("#connection.online")
    expect(row(page, "My order never arrived")).to_have_class(_has("unread"))
    expect(row(page, "Do you ship to Norway")).not_to_have_class(_has("unread"))
    expect(all_count).to_have_text("1 unread")

    row(page, "My order never arrived").locator(".queue-item").click()
    expect(page.locator("#messages")).to_contain_text("Any news on my order?")
    expect(all_count).to_have_text("")

    page.reload()
    page.wait_for_selector("#connection.online")
    expect(row(page, "Do you ship to Norway")).to_be_visible()  # the queue has loaded
    expect(page.locator("#queue li.unread")).to_have_count(0)
    expect(all_count).to_have_text("")


def test_the_notifications_control_asks_then_reports(server: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = context.new_page()
        pg.set_default_timeout(10_000)
        login(pg, server["base"])
        pg.click("#help-open")
        enable = pg.locator("#notify-enable")
        expect(enable).to_be_visible()  # permission not asked yet
        context.grant_permissions(["notifications"])
        enable.click()  # the user gesture that asks
        expect(pg.locator("#notify-state")).to_contain_text("On")
        expect(enable).to_be_hidden()
        expect(pg.locator("#notify-top")).to_be_hidden()
    finally:
        context.close()


def _has(name: str) -> Any:
    """A class list containing `name` (to_have_class with a pattern matches the whole attribute)."""
    return re.compile(rf"(^|\s){name}(\s|$)")
