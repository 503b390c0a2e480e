"""The inbox's working controls in a real browser: mentions reach the other agent live, merge and undo
from the customer panel, search in Chinese, Thai and English, catch-up after the socket drops, bulk
resolve, labels, one-click sentiment correction and snooze."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.store.models import Conversation, Message
from tests.e2e import seed
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shop(server: dict[str, Any]) -> dict[str, Any]:
    """The conftest's server with a second agent (Bea) and a second webhook channel (the shop's app)."""
    seed.agent(server, "bea@example.com", "Bea")
    return {**server, "app": seed.webhook_channel(server, "Shop app")}


@pytest.fixture
def two_agents(browser: Any) -> Iterator[tuple[Any, Any]]:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    for p in pages:
        p.set_default_timeout(10_000)
    yield pages[0], pages[1]
    for c in contexts:
        c.close()


def item(page: Any, text: str) -> Any:
    return page.locator("#queue .queue-item", has_text=text)


def test_a_mention_in_a_note_reaches_the_other_agent_live(
    shop: dict[str, Any], two_agents: tuple[Any, Any]
) -> None:
    ada, bea = two_agents
    seed.post(shop, "Where is my parcel? It was due on Monday.", "men-1", "parcel")
    login(ada, shop["base"])
    login(bea, shop["base"], "bea@example.com")
    loads: list[str] = []
    bea.on("load", lambda p: loads.append(p.url))
    item(ada, "Where is my parcel").click()
    ada.locator("#reply-private").check()
    ada.fill("#reply-text", "@bea could you chase the courier on this one?")
    ada.click("#reply-form button[type=submit]")
    expect(ada.locator("#messages .msg.note")).to_contain_text("Notified: Bea")
    expect(bea.locator("#toasts .toast", has_text="Ada mentioned you")).to_be_visible()
    assert loads == []  # it came over the socket


def test_merge_two_customers_into_one_timeline_then_undo(shop: dict[str, Any], page: Any) -> None:
    seed.post(
        shop,
        "My blender arrived with a cracked jar.",
        "mrg-1",
        "noor-web",
        name="Noor Haddad",
        email="noor@example.com",
    )
    seed.post(
        shop,
        "Following up from the app about the cracked jar.",
        "mrg-2",
        "noor-app",
        name="Noor H.",
        email="Noor@Example.com",
        channel=shop["app"],
    )
    login(page, shop["base"])
    item(page, "My blender arrived").click()
    history = page.locator("#history li")
    expect(history).to_have_count(1)
    suggestion = page.locator("#suggestions .suggestion", has_text="Noor H.")
    expect(suggestion).to_contain_text("Same email: noor@example.com")
    expect(suggestion.locator(".conf")).to_have_text(re.compile(r"\d+%"))
    suggestion.get_by_role("button", name="Merge").click()

    expect(history).to_have_count(2)  # one timeline: both channels' messages
    expect(history.filter(has_text="My blender arrived")).to_have_count(1)
    expect(history.filter(has_text="Following up from the app")).to_have_count(1)
    expect(page.locator("#identities li")).to_have_count(2)
    expect(page.locator("#suggestions .suggestion")).to_have_count(0)

    page.locator("#last-merge").get_by_role("button", name="Undo").click()
    expect(history).to_have_count(1)
    expect(page.locator("#identities li")).to_have_count(1)
    expect(page.locator("#suggestions .suggestion", has_text="Noor H.")).to_be_visible()


def test_search_in_chinese_thai_and_english_opens_the_conversation(shop: dict[str, Any], page: Any) -> None:
    seed.post(shop, "我的订单还没有到，已经一个星期了", "srch-zh", "wei", name="Wei")
    seed.post(shop, "สินค้าเสียหาย ต้องการคืนเงินค่ะ", "srch-th", "ploy", name="Ploy")
    seed.post(shop, "Could I get a refund for the dented kettle?", "srch-en", "kim", name="Kim")
    login(page, shop["base"])
    box = page.locator("#search")
    results = page.locator("#search-results")

    box.fill("订单")
    hit = results.locator("button.result[data-conversation]", has_text="Wei")
    expect(hit.locator("mark")).to_have_text("订单")
    box.fill("คืนเงิน")
    hit = results.locator("button.result[data-conversation]", has_text="Ploy")
    expect(hit.locator("mark")).to_have_text("คืนเงิน")
    hit.click()
    expect(results).to_be_hidden()
    expect(page.locator("#thread-title")).to_have_text("Ploy")
    expect(page.locator("#messages .msg.in")).to_contain_text("สินค้าเสียหาย")

    page.keyboard.press("/")  # the shortcut back to the search box
    expect(box).to_be_focused()
    box.fill("KETTLE")
    hit = results.locator("button.result[data-conversation]", has_text="Kim")
    expect(hit.locator("mark")).to_have_text("kettle")
    expect(results.locator("button.result[data-customer]")).to_have_count(0)
    hit.click()
    expect(page.locator("#messages .msg.in")).to_contain_text("dented kettle")


def test_reconnect_catches_up_without_loss_or_duplicates(shop: dict[str, Any], page: Any) -> None:
    seed.post(shop, "Are you open on Sunday?", "rc-1", "sunday", name="Sol")
    login(page, shop["base"])
    item(page, "open on Sunday").click()
    expect(page.locator("#messages .msg.in")).to_have_count(1)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))

    page.context.set_offline(True)
    page.evaluate("() => window.murmur.socket.io.engine.close()")  # the connection drops
    expect(page.locator("#connection")).not_to_have_class(re.compile("online"))
    seed.post(shop, "Hello? Still hoping to hear about Sunday.", "rc-2", "sunday", name="Sol")
    seed.post(shop, "Do you sell gift cards?", "rc-3", "gifts", name="Gil")
    expect(item(page, "gift cards")).to_have_count(0)
    page.context.set_offline(False)

    expect(page.locator("#connection")).to_have_class(re.compile("online"), timeout=15_000)
    expect(item(page, "gift cards")).to_have_count(1)
    expect(page.locator("#messages .msg.in", has_text="Still hoping")).to_have_count(1)
    expect(page.locator("#messages .msg.in")).to_have_count(2)
    expect(item(page, "Sunday")).to_have_count(1)
    assert any("updated_since=" in u for u in asked), asked


def test_bulk_resolve_labels_sentiment_correction_and_snooze(shop: dict[str, Any], page: Any) -> None:
    seed.post(shop, "Bulk one: where is my tracking number?", "bk-1", "bulk1", name="Bo")
    seed.post(shop, "Bulk two: where is my tracking number?", "bk-2", "bulk2", name="Bee")
    seed.post(shop, "This is fine I guess, the colour is lovely", "bk-3", "mood", name="Mo")
    login(page, shop["base"])
    for text in ("Bulk one", "Bulk two"):
        page.locator("#queue li", has_text=text).locator("input.pick").check()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    page.click("#bulk-resolve")
    expect(item(page, "Bulk one")).to_have_count(0)
    expect(item(page, "Bulk two")).to_have_count(0)
    expect(page.locator("#bulk")).to_be_hidden()
    with shop["inbox"].read() as s:
        ids = s.scalars(
            select(Message.conversation_id).where(Message.external_id.in_(["bk-1", "bk-2"]))
        ).all()
        assert {s.get(Conversation, i).status for i in ids} == {"resolved"}

    item(page, "colour is lovely").click()
    page.fill("#label-input", "feedback")
    page.press("#label-input", "Enter")
    chip = page.locator("#label-chips li", has_text="feedback")
    expect(chip).to_be_visible()
    expect(item(page, "colour is lovely").locator(".chip", has_text="feedback")).to_be_visible()
    chip.get_by_role("button", name="Remove label feedback").click()
    expect(chip).to_have_count(0)

    msg = page.locator("#messages .msg.in").first
    msg.get_by_role("button", name="Mark negative").click()
    expect(msg.locator(".sent")).to_contain_text("negative")
    expect(msg.locator(".sent")).to_contain_text("(corrected)")
    expect(msg.get_by_role("button", name="Mark negative")).to_have_attribute("aria-pressed", "true")
    with shop["inbox"].read() as s:
        assert s.scalar(select(Message.sentiment_label).where(Message.external_id == "bk-3")) == "negative"

    page.click("#snooze")
    page.get_by_role("menuitem", name="For 1 hour").click()
    expect(item(page, "colour is lovely")).to_have_count(0)  # snoozed: out of the open queue
    with shop["inbox"].read() as s:
        conv = s.get(
            Conversation, s.scalar(select(Message.conversation_id).where(Message.external_id == "bk-3"))
        )
        assert conv.status == "snoozed" and conv.snoozed_until is not None
