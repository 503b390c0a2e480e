"""Triage by keyboard in a real browser: j/k, the why of a priority, assign, a canned reply, note, help, resolve."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.store.models import CannedResponse, Conversation
from tests.e2e.conftest import login, push

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def queue(server: dict[str, Any]) -> dict[str, Any]:
    with server["inbox"].unit_of_work() as uow:
        uow.session.add(
            CannedResponse(shortcut="thanks", text="Thanks for reaching out, {name}! We're on it.")
        )
        uow.session.add(CannedResponse(shortcut="refund", text="Hi {name}, your refund is on its way."))
    push(server, "k-1", "This is the worst service ever, I am furious and want a refund NOW", author="angry")
    push(server, "k-2", "Do you ship to Canada?", author="curious")
    push(server, "k-3", "Love the new headphones, thanks!", author="happy")
    return server


def test_triage_by_keyboard_with_a_canned_reply(queue: dict[str, Any], page: Any) -> None:
    login(page, queue["base"])
    items = page.locator("#queue .queue-item")
    expect(items).to_have_count(3)
    first_id = items.nth(0).get_attribute("data-id")
    second_id = items.nth(1).get_attribute("data-id")
    current = page.locator("#queue .queue-item[aria-current=true]")

    page.keyboard.press("j")
    expect(current).to_have_attribute("data-id", first_id)
    expect(page.locator("#messages .msg.in .sent")).to_be_visible()  # sentiment on each message
    page.keyboard.press("j")
    expect(current).to_have_attribute("data-id", second_id)
    page.keyboard.press("k")
    expect(current).to_have_attribute("data-id", first_id)
    expect(page.locator("#messages .msg.in")).to_contain_text("worst service")

    # the priority says why: in the thread and, on expand, in the queue
    page.locator("#thread-why summary").click()
    expect(page.locator("#why-list li").first).to_be_visible()
    page.locator("#queue li").first.locator("button.prio").click()
    expect(page.locator("#queue li").first.locator(".reasons li").first).to_be_visible()

    page.keyboard.press("a")
    expect(page.locator("#thread-meta")).to_contain_text("assigned to you")

    page.keyboard.press("r")
    box = page.locator("#reply-text")
    expect(box).to_be_focused()
    box.press_sequentially("/than")
    expect(page.locator("#canned li[aria-selected=true]")).to_contain_text("/thanks")
    box.press("Enter")
    expect(box).to_have_value("Thanks for reaching out, Casey! We're on it.")
    box.press("Control+Enter")
    expect(page.locator("#messages .msg.out")).to_contain_text("Thanks for reaching out, Casey!")
    expect(box).to_have_value("")
    box.press("Escape")

    page.keyboard.press("n")
    expect(page.locator("#reply-private")).to_be_checked()
    expect(box).to_be_focused()
    box.press_sequentially("jk typed here stays text")  # shortcuts sleep while typing
    expect(current).to_have_attribute("data-id", first_id)
    box.fill("")
    box.press("Escape")

    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    page.keyboard.press("e")
    expect(items).to_have_count(2)
    expect(current).to_have_attribute("data-id", second_id)  # on to the next one
    with queue["inbox"].read() as s:
        conv = s.scalar(select(Conversation).where(Conversation.id == int(first_id)))
        assert conv.status == "resolved" and conv.assignee_id is not None


# The lookup for the last letter typed answers after the agent has already picked from the list that the
# previous letter's lookup showed: a fetch wrapper holds back the "/than" lookup until after Enter.
LATE_LOOKUP = """
  const real = window.fetch;
  window.fetch = (url, opts) => {
    if (!String(url).includes("canned-responses?q=than&")) return real(url, opts);
    return new Promise((ok) => setTimeout(ok, 600)).then(() => real(url, opts)).then((res) => {
      setTimeout(() => { document.body.dataset.lateLookup = "answered"; }, 100);
      return res;
    });
  };
"""


def test_a_late_canned_lookup_does_not_reopen_the_list(queue: dict[str, Any], page: Any) -> None:
    """Escape after picking a canned reply leaves the box, so "n" is a shortcut again, not a typed letter."""
    page.add_init_script(LATE_LOOKUP)
    login(page, queue["base"])
    expect(page.locator("#queue .queue-item").first).to_be_visible()
    page.keyboard.press("j")
    expect(page.locator("#queue .queue-item[aria-current=true]")).to_have_count(1)
    expect(page.locator("#messages .msg.in").first).to_be_visible()  # the thread has loaded
    page.keyboard.press("r")
    box = page.locator("#reply-text")
    expect(box).to_be_focused()
    box.press_sequentially("/tha")
    expect(page.locator("#canned li[aria-selected=true]")).to_contain_text("/thanks")
    box.press("n")  # its lookup is held back
    box.press("Enter")
    expect(box).to_have_value(re.compile(r"^Thanks for reaching out, \w+! We're on it\.$"))
    expect(page.locator("body")).to_have_attribute("data-late-lookup", "answered")
    expect(page.locator("#canned")).to_be_hidden()
    box.press("Escape")
    expect(box).not_to_be_focused()
