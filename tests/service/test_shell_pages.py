"""The app shell: every signed-in page in one bar whose navigation fits the role; error pages in
words with a way back (JSON kept for /api); the favicon; the inbox's names for assignment; a
reply box only where a reply can be delivered; a demo with every role whose feed loops."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connectors.types import Author, InboundMessage
from inbox.channels.accounts import create_channel
from inbox.channels.demo import DEMO_LOGIN, DEMO_LOGINS, seed_demo
from inbox.ingest import ingest
from inbox.store.models import ChannelAccount, Conversation, Team
from tests.service.conftest import message

PAGES = {  # path -> the least role that opens it
    "/": "agent",
    "/dashboard": "supervisor",
    "/dashboard/messages": "supervisor",
    "/winback": "supervisor",
    "/customers": "supervisor",
    "/digest": "supervisor",
    "/rules": "supervisor",
    "/sla": "supervisor",
    "/team": "supervisor",
    "/admin/channels": "admin",
}
RANK = {"agent": 0, "supervisor": 1, "admin": 2}


def nav_labels(html: str) -> list[str]:
    nav = html[html.index('<nav class="manage-nav"') : html.index("</nav>")]
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_page_is_in_the_shell_or_a_403_page_in_it(client, world, role):
    who = world.agent(role)
    for path, least in PAGES.items():
        res = client.get(path, headers=who["auth"])
        html = res.get_data(as_text=True)
        assert 'id="shell-menu"' in html and 'id="sign-out"' in html, path  # one bar, sign-out reachable
        assert len(re.findall(r'class="topbar[ "]', html)) == 1, path  # no second, per-page header
        if RANK[role] >= RANK[least]:
            assert res.status_code == 200, (path, res.status_code)
        else:
            assert res.status_code == 403, path
            assert "This page is not for your role" in html and 'href="/"' in html


def test_navigation_follows_the_role(client, world):
    agent, sup, admin = world.agent("agent"), world.agent("supervisor"), world.agent("admin")
    assert nav_labels(client.get("/", headers=agent["auth"]).get_data(as_text=True)) == ["Inbox", "Search"]
    sup_nav = nav_labels(client.get("/", headers=sup["auth"]).get_data(as_text=True))
    assert sup_nav[:2] == ["Inbox", "Search"]
    assert {"Dashboard", "Rules", "SLAs", "Team", "Win-back"} <= set(sup_nav) and "Channels" not in sup_nav
    admin_nav = nav_labels(client.get("/", headers=admin["auth"]).get_data(as_text=True))
    assert "Channels" in admin_nav and set(sup_nav) <= set(admin_nav)
    # every link in the bar opens (none is a 404 waiting for a page)
    for label in admin_nav:
        path = re.search(
            rf'<a href="([^"]+)"[^>]*>{label}</a>',
            client.get("/", headers=admin["auth"]).get_data(as_text=True),
        )
        assert client.get(path.group(1), headers=admin["auth"]).status_code in (200, 302), label


def test_current_page_is_marked(client, world):
    sup = world.agent("supervisor")
    html = client.get("/rules", headers=sup["auth"]).get_data(as_text=True)
    assert '<a href="/rules" aria-current="page">Rules</a>' in html


def test_search_link_opens_the_inbox_search(client, world):
    agent = world.agent()
    res = client.get("/search", headers=agent["auth"])
    assert res.status_code == 302 and res.headers["Location"].endswith("/?search=1")
    res = client.get("/search?q=refund", headers=agent["auth"])
    assert res.headers["Location"].endswith("/?q=refund")
    html = client.get("/?q=refund", headers=agent["auth"]).get_data(as_text=True)
    assert 'value="refund"' in html


def test_errors_are_pages_for_people_and_json_for_scripts(client, world):
    agent = world.agent()
    res = client.get("/no-such-page", headers=agent["auth"])
    html = res.get_data(as_text=True)
    assert res.status_code == 404 and res.mimetype == "text/html"
    assert "Nothing here" in html and 'id="shell-menu"' in html and "Go to the inbox" in html
    api = client.get("/api/no-such-thing", headers=agent["auth"])
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    # signed out: a plain branded page (a missing static file), not Werkzeug's text
    res = client.get("/static/nothing.css")
    assert res.status_code == 404 and "Nothing here" in res.get_data(as_text=True)
    assert "shell-menu" not in res.get_data(as_text=True)


def test_405_page_keeps_allow(client, world):
    agent = world.agent()
    res = client.post("/favicon.ico", headers=agent["auth"])
    assert res.status_code == 405 and "GET" in res.headers["Allow"]
    assert "That is not how this page works" in res.get_data(as_text=True)


def test_expired_form_says_so(client, world):
    world.agent()
    client.get("/login")
    res = client.post("/login", data={"email": "x@example.com", "password": "x", "csrf_token": "stale"})
    html = res.get_data(as_text=True)
    assert res.status_code == 400 and "This form expired" in html and 'href="/login"' in html
    api = client.post("/api/conversations/bulk", json={}, headers={"Cookie": "session=forged"})
    assert api.mimetype == "application/json"


def test_favicon_is_served_to_anyone(client):
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    login = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in login and "favicon.svg" in login


def test_inbox_offers_agents_and_teams_by_name(client, world):
    agent = world.agent()
    world.agent("supervisor")
    html = client.get("/", headers=agent["auth"]).get_data(as_text=True)
    people = html[html.index('id="people">') : html.index("</script>", html.index('id="people">'))]
    assert "Agent 1" in people and "Supervisor 2" in people and "Support" in people


def test_assign_to_a_team_by_patch_and_in_bulk(client, world, post_webhook, inbox):
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("t1", "Hello", author="a"))
    post_webhook(channel_id, secret, message("t2", "Hi", author="b"))
    ids = [c["id"] for c in client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"]]
    with inbox.unit_of_work() as uow:
        uow.session.add(Team(name="Billing"))
    billing = world.team_id("Billing")
    client.patch(f"/api/conversations/{ids[0]}", json={"assignee_id": sup["id"]}, headers=sup["auth"])
    one = client.patch(f"/api/conversations/{ids[0]}", json={"team_id": billing}, headers=sup["auth"])
    assert one.status_code == 200
    body = one.get_json()
    assert body["team_id"] == billing and body["assignee_id"] is None  # in the team's queue now
    both = client.post(
        "/api/conversations/bulk",
        json={"ids": ids, "action": "assign", "team_id": world.team_id("Support"), "assignee_id": sup["id"]},
        headers=sup["auth"],
    ).get_json()
    assert both["ok"] == 2
    assert {(r["conversation"]["team_id"], r["conversation"]["assignee_id"]) for r in both["results"]} == {
        (world.team_id("Support"), sup["id"])
    }
    bad = client.patch(f"/api/conversations/{ids[0]}", json={"team_id": 99999}, headers=sup["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "team_id"


def _rss_conversation(inbox, world) -> int:
    ch, _ = create_channel(
        inbox, None, "rss", "Reviews", {"url": "http://127.0.0.1:9/feed"}, {}, world.team_id()
    )
    msg = InboundMessage(
        "rss", "item-1", "item-1", Author("site", "site"), "Terrible service", datetime.now(UTC)
    )
    ingest(inbox, ch["id"], [msg])
    with inbox.read() as s:
        return s.scalar(select(Conversation.id).where(Conversation.channel_account_id == ch["id"]))


def test_a_feed_cannot_be_answered_and_says_why(client, world, inbox):
    sup = world.agent("supervisor")
    conv_id = _rss_conversation(inbox, world)
    detail = client.get(f"/api/conversations/{conv_id}", headers=sup["auth"]).get_json()
    assert "RSS feeds cannot be answered" in detail["reply_blocked"]
    res = client.post(f"/api/conversations/{conv_id}/replies", json={"text": "Sorry!"}, headers=sup["auth"])
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "private"
    note = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "Call them", "private": True},
        headers=sup["auth"],
    )
    assert note.status_code == 201


def test_a_webhook_without_reply_url_says_where_to_set_it(client, world, post_webhook):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("w1", "Hello"))
    conv = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]
    detail = client.get(f"/api/conversations/{conv['id']}", headers=agent["auth"]).get_json()
    assert "settings.reply_url" in detail["reply_blocked"]
    with_url, secret2 = world.webhook_channel(reply_url="http://127.0.0.1:9/replies")
    post_webhook(with_url, secret2, message("w2", "Hi there", author="zz"))
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    other = next(c for c in convs if c["channel_account_id"] == with_url)
    assert (
        client.get(f"/api/conversations/{other['id']}", headers=agent["auth"]).get_json()["reply_blocked"]
        is None
    )


def test_demo_has_every_role_and_a_looping_feed(inbox, client):
    info = seed_demo(inbox)
    client.application.config.update(MURMUR_DEMO_LOGIN=DEMO_LOGIN, MURMUR_DEMO_LOGINS=DEMO_LOGINS)
    roles = {x["role"]: x["email"] for x in info["logins"]}
    assert set(roles) == {"supervisor", "agent", "admin"}
    for email in roles.values():  # each printed login signs in with the printed password
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert email in page  # the sign-in page lists it
        res = client.post("/login", data={"email": email, "password": DEMO_LOGIN[1], "csrf_token": csrf})
        assert res.status_code == 302, email
        client.post("/logout", data={"csrf_token": csrf})
    with inbox.unit_of_work() as uow:  # a demo channel from before the loop: seeding again turns it on
        ch = uow.session.get(ChannelAccount, info["channel_id"])
        assert ch.settings["loop"] is True
        ch.settings = {k: v for k, v in ch.settings.items() if k != "loop"}
    seed_demo(inbox)
    with inbox.read() as s:
        assert s.get(ChannelAccount, info["channel_id"]).settings["loop"] is True


def test_a_webhook_channel_counts_what_it_stored_and_when(client, world, post_webhook, clock):
    admin = world.agent("admin")
    channel_id, secret = world.webhook_channel()

    def health() -> dict:
        chans = client.get("/api/channels", headers=admin["auth"]).get_json()["channels"]
        return next(c for c in chans if c["id"] == channel_id)["health"]

    assert health()["items_stored"] == 0 and health()["last_success_at"] is None
    post_webhook(channel_id, secret, message("c1", "One"))
    post_webhook(channel_id, secret, message("c2", "Two"))
    post_webhook(channel_id, secret, message("c2", "Two"))  # a repeat is stored once
    h = health()
    assert h["items_stored"] == 2 and h["last_success_at"] is not None
    conv = client.get("/api/conversations", headers=admin["auth"]).get_json()["conversations"][0]
    client.post(f"/api/conversations/{conv['id']}/replies", json={"text": "Hi"}, headers=admin["auth"])
    assert health()["items_stored"] == 2  # a reply is not something the channel delivered


def test_channel_page_knows_its_address(client, world):
    admin = world.agent("admin")
    html = client.get("/admin/channels", headers=admin["auth"]).get_data(as_text=True)
    assert 'data-base-url="http://localhost"' in html and "Messages stored" in html


def test_a_bad_drill_down_is_a_page_in_words_and_json_for_the_api(client, world):
    sup = world.agent("supervisor")
    res = client.get("/dashboard/messages?from=yesterday", headers=sup["auth"])
    html = res.get_data(as_text=True)
    assert res.status_code == 400 and res.mimetype == "text/html"
    assert "That request did not make sense" in html and 'id="shell-menu"' in html
    api = client.get("/api/dashboard/messages?from=yesterday", headers=sup["auth"])
    assert api.status_code == 400 and api.get_json()["error"]["field"] == "from"


def test_an_unexpected_error_is_a_500_page_in_the_shell(app, client, world, monkeypatch):
    agent = world.agent()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler, not the traceback

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("web.pages.people", broken)
    res = client.get("/", headers=agent["auth"])
    html = res.get_data(as_text=True)
    assert res.status_code == 500 and "Something broke on our side" in html and "boom" not in html
    assert 'id="sign-out"' in html


def test_the_seeded_demo_feed_keeps_delivering_past_its_file(inbox):
    """The demo channel `murmur demo` makes, polled past the end of its 68-line file, keeps storing
    new messages with new ids (the queue stays alive), each exactly once."""
    from sqlalchemy import func

    from inbox.channels.polling import poll
    from inbox.store.models import Message

    info = seed_demo(inbox)
    with inbox.unit_of_work() as uow:  # bigger batches, so the test passes the file's end quickly
        ch = uow.session.get(ChannelAccount, info["channel_id"])
        ch.settings = {**ch.settings, "batch_size": 30}
    for _ in range(4):  # 120 lines: the file once and most of it again
        report = poll(inbox, info["channel_id"], force=True)
        assert report.error is None
    with inbox.read() as s:
        stored = s.scalar(
            select(func.count()).select_from(Message).where(Message.channel_account_id == ch.id)
        )
        distinct = s.scalar(
            select(func.count(func.distinct(Message.external_id))).where(Message.channel_account_id == ch.id)
        )
    assert stored == distinct == 120
