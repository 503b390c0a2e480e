"""Browser: a brand manager opens the dashboard, changes the period and the channel with the
pickers, and drills from a point of the chart to exactly the messages behind it; on a 390 px
phone the page does not scroll sideways.

The data is three weeks of the demo's history (`inbox.channels.demo_history`), ingested through
the pipeline into the shared e2e server's database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from inbox.admin.agents import create_agent
from inbox.channels.demo_history import seed_history
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e
BOSS = "brand@example.com"


@pytest.fixture(scope="module")
def history(server: dict[str, Any]) -> dict[str, Any]:
    inbox = server["inbox"]
    create_agent(inbox, BOSS, PASSWORD, "supervisor", "Bo", teams=["Support"])
    stored = seed_history(inbox, datetime.now(UTC), days=21)
    assert stored > 300
    return server


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login?next=/dashboard")
    page.fill("#email", BOSS)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#chart-volume canvas")


def figures(page: Any) -> dict[str, Any]:
    return page.evaluate("JSON.parse(document.getElementById('dash-data').textContent)")


def test_pickers_change_the_figures_and_a_chart_point_drills_to_its_messages(history, page):
    base = history["base"]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base)

    page.select_option("#f-period", "30d")
    page.wait_for_url("**/dashboard?*from=*")
    page.wait_for_selector("#chart-volume canvas")
    d = figures(page)
    start, end = datetime.fromisoformat(d["filters"]["from"]), datetime.fromisoformat(d["filters"]["to"])
    assert round((end - start).total_seconds() / 86400) == 30
    expect(page.locator("#f-period")).to_have_value("30d")
    api = page.request.get(
        f"{base}/api/dashboard", params={"from": d["filters"]["from"], "to": d["filters"]["to"]}
    )
    assert page.locator(".cards .card b").first.text_content() == str(api.json()["totals"]["total"])

    # The channel picker offers the channels that exist; choosing one narrows every figure.
    channels = page.locator("#f-channel option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    assert "x" in channels and "twitter" not in channels
    page.select_option("#f-channel", "x")
    page.wait_for_url("**channel=x*")
    page.wait_for_selector("#chart-volume canvas")
    d = figures(page)
    start, end = datetime.fromisoformat(d["filters"]["from"]), datetime.fromisoformat(d["filters"]["to"])
    assert (
        d["filters"]["channel"] == "x" and round((end - start).total_seconds() / 86400) == 30
    )  # period kept
    expect(page.locator("#f-period")).to_have_value("30d")

    # Click the negative series at its busiest day (the battery storm), on the canvas itself.
    busiest = max(d["volume"], key=lambda b: b["negative"])
    assert busiest["negative"] > 0
    xy = page.evaluate(
        """([bucket, n]) => {
            const box = document.querySelector('#chart-volume .mchart-canvas');
            const chart = echarts.getInstanceByDom(box);
            const [x, y] = chart.convertToPixel({seriesIndex: 2}, [bucket, n]);
            const r = box.getBoundingClientRect();
            return [r.left + x, r.top + y];
        }""",
        [busiest["bucket"], busiest["negative"]],
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_url("**/dashboard/messages?*")
    assert "sentiment=negative" in page.url and "channel=x" in page.url
    rows = page.locator("#drill .drill-row")
    expect(rows).to_have_count(busiest["negative"])
    assert set(rows.locator("td:nth-child(2)").all_text_contents()) == {"x"}
    assert all(float(s) < 0 for s in rows.locator("td:nth-child(4)").all_text_contents())
    assert not errors


def test_the_dashboard_fits_a_phone(history, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, history["base"])
        page.select_option("#f-period", "90d")
        page.wait_for_selector("#chart-topics canvas")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The volume table is folded away, not 90 rows of zeros on a phone.
        expect(page.locator("details.numbers")).not_to_have_attribute("open", "")
    finally:
        context.close()
