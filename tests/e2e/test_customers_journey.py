"""A supervisor opens Customers, reads the lifecycle funnel and the RFM grid, filters the list by
stage with the picker, opens a customer and reads their page; then the same on a 390 px phone,
which must not scroll sideways. Set MURMUR_SCREENSHOTS=1 to write docs/screenshots/
page-customers-desktop.png, page-customers-phone.png, page-customer-desktop.png and
page-customer-phone.png (1440x900 and 390x844).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from inbox.admin.agents import create_agent
from inbox.store.models import Customer, Identity, LifecycleTransition, Order
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import PASSWORD, push
from tests.processes import ROOT

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "screenshots"
PEOPLE = [
    # handle, name, stage path, clv, rfm (r, f)
    ("mei", "陳美玲", ["awareness", "engagement", "conversion"], 820.0, (5, 3)),
    ("som", "สมชาย ใจดี", ["awareness", "engagement", "conversion", "retention"], 1450.0, (4, 4)),
    ("ann", "Ann Lee", ["awareness", "engagement"], 0.0, None),
    ("jian", "王建国", ["awareness", "engagement", "conversion"], 95.0, (2, 1)),
    ("ola", "Ola Nordmann", ["awareness"], 0.0, None),
    ("kim", "Kim Park", ["awareness", "engagement", "conversion", "retention", "loyalty"], 3200.0, (5, 5)),
]


@pytest.fixture(scope="module")
def customers(server: dict[str, Any]) -> dict[str, int]:
    """Six customers who wrote in, with stages reached step by step, values and orders."""
    inbox = server["inbox"]
    create_agent(inbox, "brand@example.com", PASSWORD, "supervisor", "Bao", teams=["Support"])
    for handle, *_ in PEOPLE:
        push(server, f"cust-{handle}", f"Hello from {handle}, where is my order?", author=handle)
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    with inbox.unit_of_work() as uow:
        s = uow.session
        for handle, name, path, clv, rfm in PEOPLE:
            cid = s.scalar(select(Identity.customer_id).where(Identity.handle == f"cust_{handle}"))
            ids[handle] = cid
            s.execute(
                update(Customer)
                .where(Customer.id == cid)
                .values(
                    name=name,
                    lifecycle_stage=path[-1],
                    clv=clv,
                    vip=clv > 1000,
                    rfm_recency=rfm[0] if rfm else None,
                    rfm_frequency=rfm[1] if rfm else None,
                    rfm_segment=("champions" if rfm and rfm[0] >= 4 else "at_risk") if rfm else None,
                )
            )
            for k, stage in enumerate(path):
                s.add(
                    LifecycleTransition(
                        customer_id=cid,
                        from_stage=path[k - 1] if k else None,
                        to_stage=stage,
                        reason=f"seeded step {k + 1}: {stage}",
                        at=now - timedelta(days=20 - k),
                    )
                )
            if clv:
                s.add(
                    Order(
                        customer_id=cid,
                        external_id=f"ord-{handle}",
                        amount=Decimal(str(clv)),
                        currency="USD",
                        ordered_at=now - timedelta(days=3),
                    )
                )
    return ids


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "brand@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


def test_filter_by_stage_and_open_a_customer(
    server: dict[str, Any], customers: dict[str, int], browser: Any
) -> None:
    base = server["base"]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, base)
        page.goto(f"{base}/customers")
        expect(page.locator("nav.manage-nav a[href='/customers'][aria-current='page']")).to_be_visible()
        # the funnel: five steps, counts and conversion from the stage before, drawn and tabled
        expect(page.locator("#funnel-chart canvas").first).to_be_visible()
        rows = page.locator("#funnel-table tbody tr")
        expect(rows).to_have_count(5)
        expect(rows.nth(0).locator("td").nth(0)).to_have_text("6")  # awareness
        expect(rows.nth(2).locator("td").nth(0)).to_have_text("4")  # conversion
        expect(rows.nth(2).locator("td").nth(2)).to_have_text("80%")  # 4 of the 5 engaged
        expect(page.locator("#rfm-chart canvas").first).to_be_visible()
        expect(page.locator("#funnel-csv")).to_have_attribute("href", re.compile("^blob:"))
        assert_accessible(page, label="customers")
        if os.environ.get("MURMUR_SCREENSHOTS"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "page-customers-desktop.png"), full_page=True)

        # filter by stage with the picker: only stages that exist are offered, with their counts
        expect(page.locator("#pick-stage option[value='churn_risk']")).to_have_count(0)
        page.select_option("#pick-stage", "conversion")
        page.click(".cust-filters button[type=submit]")
        expect(page).to_have_url(re.compile(r"stage=conversion"))
        listed = page.locator("#customers tbody tr")
        expect(listed).to_have_count(2)
        expect(listed.locator("td.stage")).to_have_text(["Conversion", "Conversion"])
        expect(page.locator("#customers")).to_contain_text("陳美玲")
        expect(page.locator("#customers")).to_contain_text("王建国")

        # an RFM cell lists its customers
        page.goto(f"{base}/customers")
        page.locator("#rfm-table a[href='/customers?rfm_r=5&rfm_f=5']").click()
        expect(page.locator("#customers tbody tr")).to_have_count(1)
        expect(page.locator("#customers")).to_contain_text("Kim Park")

        # open a customer: identities, conversation, order, stage history with reasons
        page.goto(f"{base}/customers?stage=conversion")
        page.locator("#customers a.cust-name", has_text="陳美玲").click()
        expect(page).to_have_url(f"{base}/customers/{customers['mei']}")
        expect(page.locator("#customer-name")).to_have_text("陳美玲")
        expect(page.locator(".identities")).to_contain_text("cust_mei")
        expect(page.locator("#conversations li")).to_have_count(1)
        expect(page.locator("#conversations")).to_contain_text("Hello from mei, where is my order?")
        expect(page.locator("#orders")).to_contain_text("ord-mei")
        expect(page.locator("#stages li")).to_have_count(3)
        expect(page.locator("#stages li").first).to_contain_text("seeded step 3: conversion")
        expect(page.locator("#clv")).to_have_text("820.00")
        assert_accessible(page, label="customer")
        if os.environ.get("MURMUR_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "page-customer-desktop.png"), full_page=True)
        page.locator("#conversations a").first.click()
        expect(page).to_have_url(re.compile(r"/\?conversation=\d+"))

        # the weekly digest: choose figures, save, download the PDF
        page.goto(f"{base}/digest")
        page.check("#digest-enabled")
        page.uncheck("input[name=figures][value=top_negative]")
        page.click(".digest-form button[type=submit]")
        expect(page.locator("#saved")).to_be_visible()
        expect(page.locator("input[name=figures][value=top_negative]")).not_to_be_checked()
        expect(page.locator("input[name=figures][value=volume]")).to_be_checked()
        assert_accessible(page, label="digest")
        if os.environ.get("MURMUR_SCREENSHOTS"):
            page.screenshot(path=str(SHOTS / "page-digest-desktop.png"), full_page=True)
        with page.expect_download() as dl:
            page.click("#digest-pdf")
        assert Path(dl.value.path()).read_bytes().startswith(b"%PDF-")
    finally:
        context.close()


def test_customers_on_a_phone(server: dict[str, Any], customers: dict[str, int], browser: Any) -> None:
    base = server["base"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, base)
        for path, shot in (
            ("/customers", "page-customers-phone.png"),
            (f"/customers/{customers['som']}", "page-customer-phone.png"),
        ):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if path == "/customers":
                expect(page.locator("#funnel-chart canvas").first).to_be_visible()
                expect(page.locator("#customers tbody tr")).to_have_count(len(PEOPLE))
            # no sideways scrolling (a mobile browser widens its layout viewport to fit the content)
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= 390 and widths[1] <= 390, (path, widths)
            if os.environ.get("MURMUR_SCREENSHOTS"):
                page.screenshot(path=str(SHOTS / shot), full_page=True)
        expect(page.locator("#customer-name")).to_contain_text("สมชาย ใจดี")
    finally:
        context.close()
