"""An agent's first minutes, in a real browser: log in, a message arrives live, reply, see it delivered."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inbox.store.models import Message, Outbox
from tests.e2e.conftest import login, push

pytestmark = pytest.mark.e2e


def test_message_arrives_live_and_agent_replies(server: dict[str, Any], page: Any) -> None:
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    login(page, server["base"])
    expect(page.locator("#queue-count")).to_have_text("0 open")  # the first queue load has finished
    loads_before = len(loads)
    push(server, "e2e-1", "My order #77 never arrived and nobody answers!")
    item = page.locator("#queue .queue-item", has_text="My order #77 never arrived")
    expect(item).to_be_visible()
    assert len(loads) == loads_before  # it arrived over Socket.IO: the page was not reloaded
    item.click()
    expect(page.locator("#messages .msg.in")).to_contain_text("never arrived")
    page.fill("#reply-text", "So sorry, Casey. I'm checking with the courier now.")
    page.click("#reply-form button[type=submit]")
    reply = page.locator("#messages .msg.out", has_text="checking with the courier")
    expect(reply).to_be_visible()
    with server["inbox"].read() as s:
        msg = s.scalar(select(Message).where(Message.direction == "out", Message.text.startswith("So sorry")))
        assert msg is not None
        box = s.scalar(select(Outbox).where(Outbox.message_id == msg.id))
    assert box is not None and box.status in ("queued", "sending", "sent"), box and (
        box.status,
        box.last_error,
    )
    # the embedded scheduler delivers it to the channel's reply_url; the page hears outbox.updated
    expect(reply.locator(".delivery")).to_have_text("sent", timeout=15_000)
    assert [b["text"] for b in server["receiver"].bodies] == [
        "So sorry, Casey. I'm checking with the courier now."
    ]
    with server["inbox"].read() as s:
        assert s.scalar(select(Outbox.status).where(Outbox.message_id == msg.id)) == "sent"


def test_hostile_html_in_a_post_renders_inert(server: dict[str, Any], page: Any) -> None:
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    login(page, server["base"])
    hostile = (
        '<p>hi <b>there</b></p><script>alert("x")</script>'
        '<img src="http://198.51.100.7/x.png" onerror="alert(1)">'
        '<a href="javascript:alert(2)">click</a> <a href="https://example.com/ok" onclick="alert(3)">ok</a>'
        '<svg onload="alert(4)"></svg><iframe src="javascript:alert(5)"></iframe>'
    )
    push(
        server,
        "e2e-xss",
        'Look <script>alert("x")</script> <img src=x onerror=alert(1)> javascript:alert(2)',
        html=hostile,
        author="evil",
        public=True,
    )
    item = page.locator("#queue .queue-item", has_text="Look")
    expect(item).to_be_visible()
    item.click()
    msg = page.locator("#messages .msg.in").last
    # the sanitized html is shown as formatting and safe links, rebuilt element by element
    expect(msg.locator(".body p")).to_have_text("hi there")
    expect(msg.locator(".body a", has_text="ok")).to_have_attribute("href", "https://example.com/ok")
    expect(msg.locator(".body a", has_text="click")).to_have_count(0)
    hostile_nodes = page.locator(
        "#messages script, #messages img, #messages svg, #messages iframe, #messages [onerror], "
        "#messages [onclick], #messages [onload], #messages a[href^='javascript']"
    )
    expect(hostile_nodes).to_have_count(0)
    # a round trip through the server after rendering: any handler that could fire has had its turn
    page.evaluate("() => fetch('/healthz').then((r) => r.status)")
    assert dialogs == []
    base = server["base"]
    assert all(u.startswith((base, "data:")) for u in requests), [
        u for u in requests if not u.startswith(base)
    ]
