"""A supervisor opens Reports, picks a period, reads per-agent and per-team figures, drills from a
figure to its conversations and into the inbox, and downloads the CSV.

Runs against the module's own `murmur serve` (the `server` fixture), in a browser whose time zone
is Asia/Bangkok, so the period is the viewer's calendar. Set MURMUR_SCREENSHOTS=1 to also write
docs/screenshots/reports-desktop.png (1440x900) and reports-phone.png (390x844).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from inbox.admin.agents import create_agent, create_token
from tests.e2e.conftest import PASSWORD, login, push
from tests.processes import ROOT

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def answered(server: dict[str, Any]) -> dict[str, Any]:
    """Three conversations Rita answers (two she resolves), a supervisor, and an idle agent."""
    inbox, base = server["inbox"], server["base"]
    create_agent(inbox, "boss@example.com", PASSWORD, "supervisor", "Bea", teams=["Support"])
    rita = create_agent(inbox, "rita@example.com", PASSWORD, "agent", "Rita", teams=["Support"])
    create_agent(inbox, "idle@example.com", PASSWORD, "agent", "Ivo Idle", teams=["Support"])
    auth = {"Authorization": f"Bearer {create_token(inbox, 'rita@example.com')}"}
    for i in range(3):
        push(server, f"rep-{i}", f"Where is order {i}?", author=f"rep{i}")
    convs = httpx.get(f"{base}/api/conversations", headers=auth).json()["conversations"]
    ids = sorted(c["id"] for c in convs)
    assert len(ids) == 3  # the module's own server: only these
    for cid in ids:
        assert (
            httpx.post(
                f"{base}/api/conversations/{cid}/replies", json={"text": "On its way"}, headers=auth
            ).status_code
            == 201
        )
    for cid in ids[:2]:
        assert (
            httpx.patch(
                f"{base}/api/conversations/{cid}", json={"status": "resolved"}, headers=auth
            ).status_code
            == 200
        )
    return {"rita": rita, "ids": ids}


def test_supervisor_reads_reports_drills_and_downloads_csv(
    server: dict[str, Any], answered: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, timezone_id="Asia/Bangkok", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, base, "boss@example.com")
        # (the inbox joins the app shell in the "shell" part of #16; the reports page is in it)
        page.goto(f"{base}/reports")
        expect(page.locator("nav.manage-nav a[href='/reports'][aria-current='page']")).to_have_text("Reports")
        expect(page.locator("#agents tbody tr")).not_to_have_count(0)

        # pick a period: today, in the browser's zone (Bangkok)
        page.select_option("#preset", "today")
        expect(page.locator("#period-label")).to_contain_text("Asia/Bangkok")
        rita = page.locator(f"#agents tbody tr[data-group='agent:{answered['rita']}']")
        expect(rita.locator("th")).to_have_text("Rita")
        cells = rita.locator("td")
        expect(cells.nth(0)).to_contain_text("3")  # first responses
        expect(cells.nth(5)).to_contain_text("2")  # handled
        idle = page.locator("#agents tbody tr", has_text="Ivo Idle")
        expect(idle.locator("td").nth(1)).to_have_text("—")  # no data: a dash, not 0s
        support = page.locator("#teams tbody tr", has_text="Support")
        expect(support.locator("td").nth(0)).to_contain_text("3")

        if os.environ.get("MURMUR_SCREENSHOTS"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "reports-desktop.png"), full_page=True)

        # drill from Rita's first-response median to its conversations, then into the inbox
        rita.locator("td").nth(1).locator("button.figure").click()
        drill = page.locator("#drill")
        expect(drill).to_be_visible()
        expect(page.locator("#drill-count")).to_have_text("3 conversations")
        links = drill.locator("tbody a")
        expect(links).to_have_count(3)
        hrefs = sorted(links.nth(i).get_attribute("href") for i in range(3))
        assert hrefs == sorted(f"/?conversation={c}" for c in answered["ids"])

        # the CSV of the per-agent table: every agent, Rita's figures, the total last
        with page.expect_download() as dl:
            page.click("#csv-agents")
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        by_name = {r["name"]: r for r in rows}
        assert by_name["Rita"]["first_response_count"] == "3" and by_name["Rita"]["handled"] == "2"
        assert by_name["Ivo Idle"]["first_response_median_seconds"] == ""
        assert rows[-1]["name"] == "All" and rows[-1]["tz"] == "Asia/Bangkok"

        links.first.click()
        expect(page).to_have_url(re.compile(r"/\?conversation=\d+"))
    finally:
        context.close()


def test_reports_on_a_phone(server: dict[str, Any], answered: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Asia/Bangkok", is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, server["base"], "boss@example.com")
        page.goto(f"{server['base']}/reports?preset=today")
        expect(page.locator("#preset")).to_have_value("today")
        expect(page.locator("#agents tbody tr", has_text="Rita")).to_have_count(1)
        # the tables scroll inside their box; the page itself does not scroll sideways
        # (a mobile browser widens its layout viewport to fit the content: compare with 390 itself)
        main = page.evaluate(
            "[document.querySelector('main').scrollWidth, document.documentElement.clientWidth]"
        )
        assert main[0] <= 390 and main[1] <= 390, main
        box = page.locator("#agents").evaluate("t => [t.parentElement.clientWidth, t.scrollWidth]")
        assert box[0] <= 390 < box[1], box  # the table scrolls inside its box
        if os.environ.get("MURMUR_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "reports-phone.png"), full_page=True)
    finally:
        context.close()
