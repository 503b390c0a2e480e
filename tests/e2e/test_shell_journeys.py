"""The app shell and the agent's daily work in a real browser: the phone journey without the
browser's Back, a desktop page that never scrolls away, the new views, assigning by name,
/?conversation=N, and an axe-core check of every page each role can open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from inbox.admin.agents import create_agent
from inbox.conversations.service import update_conversation
from inbox.store.models import Conversation, Message
from tests.e2e import seed
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import PASSWORD, login

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def conversation_of(server: dict[str, Any], text: str) -> int:
    with server["inbox"].read() as s:
        return s.scalar(select(Message.conversation_id).where(Message.text == text))


def sign_in(page: Any, base: str, email: str) -> None:
    """Sign in through the form; lands on the inbox, or on `next` for another page."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def people(server: dict[str, Any]) -> dict[str, Any]:
    inbox = server["inbox"]
    return {
        "bea": create_agent(inbox, "bea@example.com", PASSWORD, "agent", "Bea Lindqvist", teams=["Support"]),
        "sup": create_agent(
            inbox, "sup@example.com", PASSWORD, "supervisor", "Sam Supervisor", teams=["Support"]
        ),
        "admin": create_agent(inbox, "root@example.com", PASSWORD, "admin", "Ada Admin", teams=["Support"]),
    }


def test_phone_journey_open_customer_back_and_sign_out(
    server: dict[str, Any], browser: Any, people: Any
) -> None:
    seed.post(server, "Phone journey: where is parcel 5521?", "ph-1", "phone-a", name="Pia Phone")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, server["base"])
        assert_accessible(page, label="inbox, phone")
        page.locator("#queue .queue-item", has_text="parcel 5521").click()
        expect(page.locator("#messages")).to_contain_text("where is parcel 5521")
        expect(page.locator(".queue")).to_be_hidden()  # one pane at a time
        page.click("#customer-toggle")
        expect(page.locator("#customer-name")).to_have_text("Pia Phone")
        expect(page.locator("#messages")).to_be_hidden()
        assert_accessible(page, label="customer pane, phone")
        page.click("#customer-back")  # the way back is on the page, not the browser's Back
        expect(page.locator("#messages")).to_be_visible()
        page.click("#back")
        expect(page.locator("#queue .queue-item", has_text="parcel 5521")).to_be_visible()
        expect(page.locator("#sign-out")).to_be_hidden()  # folded into the menu on a phone
        page.click("#nav-toggle")
        expect(page.locator("#shell-menu")).to_contain_text("Inbox")
        assert_accessible(page, label="menu open, phone")
        page.click("#sign-out")
        expect(page).to_have_url(f"{server['base']}/login")
    finally:
        context.close()


def test_desktop_page_never_scrolls_away(server: dict[str, Any], page: Any) -> None:
    for i in range(30):
        seed.post(
            server, f"Scroll test message {i} " + "long words " * 20, f"sc-{i}", "scroller", name="Sid Scroll"
        )
    login(page, server["base"])
    page.locator("#queue .queue-item", has_text="Scroll test message").first.click()
    expect(page.locator("#messages .msg.in")).to_have_count(30)
    page.hover("#messages")
    for _ in range(5):
        page.mouse.wheel(0, 2000)
    page.hover("#customer-pane")
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)  # let the wheel land before reading the scroll position
    assert page.evaluate("() => window.scrollY") == 0
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight")
    expect(page.locator(".shell-bar")).to_be_in_viewport()


def test_views_count_what_they_say_and_list_each_status(
    server: dict[str, Any], page: Any, people: Any
) -> None:
    inbox = server["inbox"]
    texts = {
        "pending": "Views: waiting on me",
        "snoozed": "Views: ask me later",
        "resolved": "Views: all sorted",
    }
    for n, (status, text) in enumerate(texts.items()):
        seed.post(server, text, f"vw-{n}", f"views-{n}", name=f"View {status}")
        update_conversation(inbox, people["sup"], conversation_of(server, text), {"status": status})
    login(page, server["base"])
    with inbox.read() as s:
        counts = dict(
            s.execute(select(Conversation.status, func.count()).group_by(Conversation.status)).all()
        )
    counts = {status: counts.get(status, 0) for status in ("open", "pending", "snoozed", "resolved")}
    for status, n in counts.items():
        expect(page.locator(f'[data-count="{status}"]')).to_have_text(str(n))
        button = page.locator(f'.views button[data-view="{status}"]')
        expect(button).to_have_text(re.compile(rf"^\s*{status.title()}\s+{n}\s+{status}(\s*\d+ unread)?\s*$"))
    expect(page.locator('[data-count="all"]')).to_have_text(str(sum(counts.values())))
    for status, text in texts.items():
        page.click(f'.views button[data-view="{status}"]')
        expect(page.locator("#queue-count")).to_have_text(f"{counts[status]} {status}")
        expect(page.locator("#queue .queue-item", has_text=text)).to_be_visible()
        for other, other_text in texts.items():
            if other != status:
                expect(page.locator("#queue .queue-item", has_text=other_text)).to_have_count(0)
    page.click('.views button[data-view="all"]')
    for text in texts.values():
        expect(page.locator("#queue .queue-item", has_text=text)).to_be_visible()
    assert_accessible(page, label="inbox, All view")


def test_a_link_opens_its_conversation_even_when_resolved(
    server: dict[str, Any], page: Any, people: Any
) -> None:
    seed.post(server, "Deep link: my invoice is wrong", "dl-1", "deeplink", name="Dee Link")
    conv = conversation_of(server, "Deep link: my invoice is wrong")
    update_conversation(server["inbox"], people["sup"], conv, {"status": "resolved"})
    login(page, server["base"])
    page.goto(f"{server['base']}/?conversation={conv}")
    expect(page.locator("#thread-title")).to_have_text("Dee Link")
    expect(page.locator("#messages")).to_contain_text("my invoice is wrong")
    expect(page.locator('.views button[data-view="resolved"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'#queue li[data-id="{conv}"]')).to_be_visible()
    # opening another conversation puts it in the address, so a reload comes back to it
    page.click('.views button[data-view="open"]')
    page.locator("#queue .queue-item").first.click()
    assert "conversation=" in page.url and f"conversation={conv}" not in page.url


def test_assign_by_name_from_the_pane_and_in_bulk(server: dict[str, Any], page: Any, people: Any) -> None:
    for n in range(2):
        seed.post(server, f"Assign me by name {n}", f"an-{n}", f"assign-{n}", name=f"Asa {n}")
    login(page, server["base"])
    page.locator("#queue .queue-item", has_text="Assign me by name 0").click()
    expect(page.locator("#messages")).to_contain_text("Assign me by name 0")
    options = page.locator("#assign-to option").all_text_contents()
    assert (
        "Bea Lindqvist" in options
        and "Support" in options
        and not any(o.startswith("agent ") for o in options)
    )
    page.select_option("#assign-to", label="Bea Lindqvist")
    expect(page.locator("#thread-meta")).to_contain_text("assigned to Bea Lindqvist")
    page.click('.views button[data-view="all"]')
    row = page.locator("#queue li", has_text="Assign me by name 0")
    expect(row.locator(".assignee")).to_have_text("Bea Lindqvist")
    # in bulk: both to Sam, by name
    for n in range(2):
        page.locator("#queue li", has_text=f"Assign me by name {n}").locator("input.pick").check()
    page.select_option("#bulk-assignee", label="Sam Supervisor")
    page.click("#bulk-assign-to")
    for n in range(2):
        expect(
            page.locator("#queue li", has_text=f"Assign me by name {n}").locator(".assignee")
        ).to_have_text("Sam Supervisor")
    with server["inbox"].read() as s:
        ids = [conversation_of(server, f"Assign me by name {n}") for n in range(2)]
        assert {s.get(Conversation, i).assignee_id for i in ids} == {people["sup"]}


def test_note_mode_says_private(server: dict[str, Any], page: Any) -> None:
    seed.post(server, "Note mode check", "nm-1", "notemode", name="Nora Note")
    login(page, server["base"])
    page.locator("#queue .queue-item", has_text="Note mode check").click()
    expect(page.locator("#reply-where")).to_contain_text("answers privately on webhook")
    page.check("#reply-private")
    expect(page.locator("#reply-where")).to_have_text(
        "Private note: only agents see it, the customer never does"
    )
    expect(page.locator("#reply-form button[type=submit]")).to_have_text("Add note")


def _pages_in_the_bar(page: Any) -> list[str]:
    return page.eval_on_selector_all(".manage-nav a", "els => els.map((a) => a.getAttribute('href'))")


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_every_page_of_every_role_passes_axe(
    server: dict[str, Any], browser: Any, people: Any, viewport: Any
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{server['base']}/login")
        assert_accessible(page, label="login")
        checked = set()
        for email in ("agent@example.com", "sup@example.com", "root@example.com"):
            sign_in(page, server["base"], email)
            for path in _pages_in_the_bar(page) + ["/dashboard/messages", "/no-such-page"]:
                if path == "/search":
                    continue  # the inbox with its search box focused: checked as "/"
                page.goto(server["base"] + path)
                page.wait_for_load_state("networkidle")
                assert_accessible(page, label=f"{email} {path}")
                checked.add(path)
            if email == "agent@example.com":
                page.goto(server["base"] + "/rules")  # a 403, in the shell
                expect(page.locator("h1")).to_have_text("This page is not for your role")
                assert_accessible(page, label="403")
            page.goto(server["base"] + "/")
            if viewport is PHONE:
                page.click("#nav-toggle")
            page.click("#sign-out")
            expect(page).to_have_url(f"{server['base']}/login")
        assert {
            "/",
            "/dashboard",
            "/customers",
            "/rules",
            "/sla",
            "/team",
            "/winback",
            "/admin/channels",
        } <= checked
    finally:
        context.close()
