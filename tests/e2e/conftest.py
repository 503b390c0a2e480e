"""A real `murmur serve` on SQLite and a real headless Debian Chromium driven by Playwright.

The server is a subprocess: `murmur migrate`, then agents and a webhook channel made with the inbox
services against the same SQLite file, then `murmur serve` with the embedded scheduler on, so the
outbox is delivered for real, to a small receiver on 127.0.0.1 that stands in for the customer's system.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from connectors.webhook import sign
from inbox.admin.agents import create_agent
from inbox.channels.accounts import create_channel
from inbox.channels.demo import seed_defaults
from inbox.store.context import Inbox
from tests.processes import CHROMIUM, CHROMIUM_ARGS, free_port, migrated_sqlite, serve

ARGS = CHROMIUM_ARGS
PASSWORD = "e2e password 123"


class Receiver:
    """Where the webhook channel POSTs agent replies: records each signed body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.bodies.append(json.loads(raw or b"{}"))
                answer = json.dumps({"id": f"sent-{len(outer.bodies)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/replies"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("e2e")
    url = migrated_sqlite(tmp / "murmur.db")
    env = {
        "MURMUR_DATABASE_URL": url,
        "MURMUR_SECRET_KEY": "e2e-secret",
        "MURMUR_INSTANCE_PATH": str(tmp),
        "MURMUR_SCHEDULER": "1",
    }
    receiver = Receiver()
    inbox = Inbox.from_url(url, "e2e-secret")
    seed_defaults(inbox)
    create_agent(inbox, "agent@example.com", PASSWORD, "agent", "Ada", teams=["Support"])
    hook, generated = create_channel(
        inbox, None, "webhook", "Shop", {"reply_url": receiver.url}, {}, team_id=1
    )
    port = free_port()
    proc = serve(env, port, tmp / "serve.log")
    try:
        yield {
            "base": f"http://127.0.0.1:{port}",
            "inbox": inbox,
            "channel": hook["id"],
            "secret": generated["webhook_secret"],
            "proc": proc,
            "receiver": receiver,
        }
    finally:
        proc.stop()
        receiver.close()
        inbox.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for every journey (as pytest-playwright does): each test still gets a fresh
    context, so no cookie, storage or page outlives it; launching one per module cost seconds each."""
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
    """Log in through the form and wait until the inbox's socket is live."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#connection.online")


def push(
    server: dict[str, Any], ext_id: str, text: str, html: str | None = None, author: str = "c1", **extra: Any
) -> None:
    """POST one message to the webhook channel, signed as the channel's sender would sign it."""
    payload: dict[str, Any] = {
        "id": ext_id,
        "text": text,
        "author": {"id": author, "handle": f"cust_{author}", "name": "Casey"},
        **extra,
    }
    if html is not None:
        payload["html"] = html
    body = json.dumps(payload).encode()
    res = httpx.post(
        f"{server['base']}/api/channels/{server['channel']}/webhook",
        content=body,
        headers=sign(server["secret"], body, int(time.time())),
    )
    assert res.status_code == 200, res.text
