"""A real `murmur serve` on SQLite and a real headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from inbox.agents import create_agent
from inbox.channels import create_channel
from inbox.context import Inbox
from inbox.demo import seed_defaults
from inbox.schema import upgrade
from tests.processes import free_port, serve

CHROMIUM = os.environ.get("MURMUR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "e2e password 123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp}/murmur.db"
    upgrade(url)
    inbox = Inbox.from_url(url, "e2e-secret")
    seed_defaults(inbox)
    create_agent(inbox, "agent@example.com", PASSWORD, "agent", "Ada", teams=["Support"])
    hook, generated = create_channel(inbox, None, "webhook", "Shop", {}, {}, team_id=1)
    port = free_port()
    env = {"MURMUR_DATABASE_URL": url, "MURMUR_SECRET_KEY": "e2e-secret", "MURMUR_INSTANCE_PATH": str(tmp),
           "MURMUR_SCHEDULER": "1"}
    proc = serve(env, port, tmp / "serve.log")
    try:
        yield {"base": f"http://127.0.0.1:{port}", "inbox": inbox, "channel": hook["id"],
               "secret": generated["webhook_secret"], "proc": proc}
    finally:
        proc.stop()
        inbox.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def login(page: Any, base: str, email: str = "agent@example.com") -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#connection.online")
