"""A supervisor builds a rule in the editor, previews it, enables it; the target agent sees it work, live.

Runs against the module's own `murmur serve` (the `server` fixture). Set MURMUR_SCREENSHOTS=1 to also
write docs/screenshots/rules.png (the editor with the rule being built and its preview).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.admin.agents import create_agent
from inbox.store.models import Agent, Conversation, Message
from tests.e2e.conftest import PASSWORD, login, push
from tests.processes import ROOT

pytestmark = pytest.mark.e2e

SHOT = ROOT / "docs" / "screenshots" / "rules.png"


@pytest.fixture(scope="module")
def people(server: dict[str, Any]) -> dict[str, int]:
    """A supervisor to build the rule and Xena, the agent the rule hands legal threats to."""
    sup = create_agent(server["inbox"], "sup@example.com", PASSWORD, "supervisor", "Sam", teams=["Support"])
    xena = create_agent(server["inbox"], "xena@example.com", PASSWORD, "agent", "Xena", teams=["Support"])
    return {"sup": sup, "xena": xena}


@pytest.fixture
def second_page(browser: Any) -> Iterator[Any]:
    """Another browser context: another person at another desk (own cookies, own socket)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def test_supervisor_builds_previews_enables_and_the_agent_gets_it_live(
    server: dict[str, Any], people: dict[str, int], page: Any, second_page: Any
) -> None:
    base = server["base"]
    push(server, "rules-old-1", "If this is not fixed by Friday my lawyer will be in touch.", author="old")

    # Xena is at her desk; the editor is not hers to open.
    login(second_page, base, "xena@example.com")
    assert second_page.goto(f"{base}/rules").status == 403
    second_page.goto(f"{base}/")
    expect(second_page.locator("#connection")).to_have_class(re.compile(r"\bonline\b"))

    login(page, base, "sup@example.com")
    page.goto(f"{base}/rules")
    expect(page.locator("body[data-ready='1']")).to_have_count(1)
    page.on("dialog", lambda d: d.accept())

    # Switch the shipped legal rule off, so what happens next is this rule's doing.
    legal = page.locator(".rule-item", has_text="Legal threat")
    legal.get_by_label("Enabled: Legal threat").uncheck()
    expect(legal).to_have_class(re.compile(r"\boff\b"))

    # Build the rule from lists: no JSON.
    page.fill("#rule-name", "Lawyers go to Xena")
    expect(page.locator("#rule-trigger")).to_have_value("message.created")
    cond = page.locator("#conditions > li").nth(0)
    cond.locator("select.field").select_option("message.text")
    cond.locator("select.op").select_option("contains")
    cond.get_by_label("Value for message text").fill("lawyer")
    actions = page.locator("#actions > li")
    actions.nth(0).locator("select.type").select_option("set_priority")
    actions.nth(0).locator("[data-param=value]").fill("150")
    page.click("#add-action")
    actions.nth(1).locator("select.type").select_option("add_label")
    actions.nth(1).locator("[data-param=label]").fill("legal")
    page.click("#add-action")
    actions.nth(2).locator("select.type").select_option("escalate")
    page.click("#add-action")
    actions.nth(3).locator("select.type").select_option("assign_agent")
    actions.nth(3).locator("[data-param=agent_id]").select_option(label="Xena (agent)")

    # The API's error lands beside the offending row, not in a banner.
    page.click("#preview")
    expect(actions.nth(0).locator(".row-error")).to_contain_text("between 0 and 100")
    expect(actions.nth(0)).to_have_class(re.compile(r"\binvalid\b"))
    expect(actions.nth(0).locator("[data-param=value]")).to_have_attribute("aria-invalid", "true")
    actions.nth(0).locator("[data-param=value]").fill("95")
    expect(page.locator("#rule-sentence")).to_have_text(
        "When a message arrives, if message text contains lawyer: set priority 95, add label “legal”, "
        "escalate to a supervisor, assign to Xena."
    )

    # Preview: which recent messages would match, the value seen, what it would do.
    page.click("#preview")
    expect(page.locator("#preview-summary")).to_contain_text("1 of the last")
    match = page.locator("#preview-matches .match")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("my lawyer will be in touch")
    expect(match.locator(".seen")).to_contain_text('message text contains "lawyer"')
    expect(match.locator(".would")).to_contain_text(
        "set priority 95, add label “legal”, escalate to a supervisor, assign to Xena"
    )
    expect(actions.nth(0).locator(".row-error")).to_be_hidden()
    if os.environ.get("MURMUR_SCREENSHOTS"):
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.locator("#rule-enabled").check()
        page.set_viewport_size({"width": 1280, "height": 1180})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOT))
        page.locator("#rule-enabled").uncheck()

    # Saved disabled unless the supervisor chooses Enable.
    expect(page.locator("#save")).to_have_text("Save as disabled")
    page.check("#rule-enabled")
    expect(page.locator("#save")).to_have_text("Save and enable")
    page.click("#save")
    expect(page.locator("#form-result")).to_contain_text("Saved “Lawyers go to Xena” (enabled)")
    saved = page.locator(".rule-item", has_text="Lawyers go to Xena")
    # described in the reader's language by the page (rules.js describe), as the editor's sentence is
    expect(saved).to_contain_text("if message text contains lawyer: set priority 95")
    expect(saved.get_by_label("Enabled: Lawyers go to Xena")).to_be_checked()

    # Xena works her inbox; a matching signed webhook message arrives; she sees it, live.
    expect(second_page.locator("#queue-count")).to_contain_text("open")
    loads: list[str] = []
    second_page.on("load", lambda p: loads.append(p.url))
    push(server, "rules-new-1", "Refund me now or you will hear from my LAWYER.", author="c9")
    item = second_page.locator("#queue li", has_text="you will hear from my LAWYER")
    expect(item).to_be_visible()
    expect(item.locator(".prio")).to_have_text("95")
    expect(item.locator(".chip.legal")).to_have_text("legal")
    expect(item.locator(".chip.escalated")).to_have_text("escalated")
    expect(item).to_have_text(re.compile(r"you\s*$"))  # assigned to her ("you" closes the tags)
    assert loads == []  # it came over Socket.IO

    with server["inbox"].read() as s:
        conv = s.scalar(
            select(Conversation)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.text.contains("hear from my LAWYER"))
        )
        assert conv is not None
        assert conv.assignee_id == people["xena"]
        assert s.scalar(select(Agent.name).where(Agent.id == conv.assignee_id)) == "Xena"


def test_team_presence_is_live_and_sla_policies_are_edited_without_json(
    server: dict[str, Any], people: dict[str, int], page: Any, second_page: Any
) -> None:
    base = server["base"]
    yuri = create_agent(server["inbox"], "yuri@example.com", PASSWORD, "agent", "Yuri", teams=["Support"])
    login(page, base, "sup@example.com")
    page.goto(f"{base}/team")
    card = page.locator(f"#presence-board [data-agent='{yuri}']")
    expect(card.locator(".presence")).to_have_text("offline")
    expect(page.locator("#connection")).to_have_class(re.compile(r"\bonline\b"))
    login(second_page, base, "yuri@example.com")  # his socket connects: agent.presence reaches the board
    expect(card.locator(".presence")).to_have_text("online")
    expect(page.locator("#presence-log")).to_contain_text("Yuri is now online")

    page.locator(".manage-nav a", has_text="SLAs").click()
    expect(page.locator("body[data-ready='1']")).to_have_count(1)
    page.click("#p-save")
    expect(page.locator("[data-error-for=name]")).to_contain_text("needs a name")
    page.fill("#p-name", "VIP weekdays")
    page.select_option("#p-tier", "vip")
    page.fill("#p-first_response_minutes", "30")
    page.fill("#p-resolution_minutes", "480")
    page.fill("#p-timezone", "Europe/Berlin")
    page.get_by_label("Saturday open", exact=True).check()
    page.get_by_label("Saturday opens").fill("10:00")
    page.get_by_label("Saturday closes").fill("14:00")
    page.fill("#p-holiday", "2025-12-25")
    page.click("#add-holiday")
    page.click("#p-save")
    expect(page.locator("#policy-result")).to_contain_text("Saved “VIP weekdays”")
    row = page.locator("#policy-rows tr", has_text="VIP weekdays")
    expect(row).to_contain_text("Sat 10:00–14:00")  # the day's name from Intl, in the reader's language
    expect(row).to_contain_text("1 holiday")
    page.fill("#p-resolution_minutes", "")  # an optional target can be removed again
    page.click("#p-save")
    expect(row).to_contain_text("resolve –")
    with server["inbox"].read() as s:
        from inbox.store.models import SlaPolicy

        policy = s.scalar(select(SlaPolicy).where(SlaPolicy.name == "VIP weekdays"))
        assert policy is not None and policy.customer_tier == "vip" and policy.resolution_minutes is None
        assert policy.calendar["timezone"] == "Europe/Berlin" and policy.calendar["holidays"] == [
            "2025-12-25"
        ]
