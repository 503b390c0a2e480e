"""Channels end to end through HTTP: set-up, poll against a stand-in network, health, pushes, admin."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from inbox.channels.polling import claim
from inbox.store.models import ChannelAccount, Message
from tests.standins import MastodonStandIn, MetaStandIn, TelegramStandIn


def _mastodon(client, admin, standin):
    body = {
        "kind": "mastodon",
        "name": "Brand on Mastodon",
        "team_id": None,
        "settings": {"base_url": standin.base_url, "page_size": 5, "timeout": 0.5},
        "secrets": {"access_token": standin.token},
    }
    res = client.post("/api/channels", json=body, headers=admin["auth"])
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def _stored(inbox) -> int:
    with inbox.read() as s:
        return s.scalar(select(func.count()).select_from(Message))


def test_poll_now_follows_pages_and_replay_stores_nothing(client, world, inbox):
    admin = world.agent("admin")
    with MastodonStandIn() as m:
        m.add_mentions(12)
        cid = _mastodon(client, admin, m)
        first = client.post(f"/api/channels/{cid}/poll", headers=admin["auth"]).get_json()
        assert first["status"] == "ok" and first["fetched"] >= 1 and first["stored"] == first["fetched"]
        total = _stored(inbox)
        again = client.post(f"/api/channels/{cid}/poll", headers=admin["auth"]).get_json()
        assert again["stored"] == 0 and _stored(inbox) == total
        m.add_mentions(7)
        more = client.post(f"/api/channels/{cid}/poll", headers=admin["auth"]).get_json()
        assert more["stored"] == 7 and _stored(inbox) == total + 7
    health = client.get("/api/channels", headers=admin["auth"]).get_json()["channels"][0]["health"]
    assert health["last_success_at"] and health["items_stored"] == total + 7 and health["last_error"] is None


def test_rate_limit_is_honoured_and_errors_show_in_health(client, world):
    admin = world.agent("admin")
    with MastodonStandIn() as m:
        m.add_mentions(3)
        cid = _mastodon(client, admin, m)
        m.rate_limit_next(reset_in=300, path="/api/v1/notifications")
        limited = client.post(f"/api/channels/{cid}/poll", headers=admin["auth"]).get_json()
        assert limited["status"] == "rate_limited"
        calls = len(m.calls("/api/v1/notifications"))
        forced = client.post(f"/api/channels/{cid}/poll", headers=admin["auth"]).get_json()
        assert (
            forced["ran"] is False and len(m.calls("/api/v1/notifications")) == calls
        )  # no call before reset
    with MastodonStandIn() as m2:
        cid2 = _mastodon(client, admin, m2)
        m2.fail_next(500, n=10, path="/api/v1/notifications")
        failing = client.post(f"/api/channels/{cid2}/poll", headers=admin["auth"]).get_json()
        assert failing["status"] in ("backing_off", "failing") and "500" in (failing["error"] or "")
    listing = {c["id"]: c for c in client.get("/api/channels", headers=admin["auth"]).get_json()["channels"]}
    assert listing[cid2]["health"]["consecutive_failures"] >= 1 and listing[cid2]["health"]["last_error"]


def test_two_schedulers_never_hold_one_channel(world, inbox):
    from inbox.channels.accounts import create_channel

    channel, _ = create_channel(inbox, None, "demo", "demo", {}, {})
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def grab() -> None:
        barrier.wait()
        results.append(claim(inbox, channel["id"]))

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_pushed_channels_refuse_bad_signatures_and_store_nothing(client, world, inbox):
    admin = world.agent("admin")
    tg = client.post(
        "/api/channels",
        headers=admin["auth"],
        json={
            "kind": "telegram",
            "name": "bot",
            "secrets": {"bot_token": "123:abc", "webhook_secret": "tg-secret"},
        },
    ).get_json()
    meta = client.post(
        "/api/channels",
        headers=admin["auth"],
        json={
            "kind": "meta",
            "name": "page",
            "settings": {"page_id": "104000000000001"},
            "secrets": {"app_secret": "app-secret", "verify_token": "vt", "page_access_token": "pt"},
        },
    ).get_json()
    update = TelegramStandIn().make_update()
    headers, body = TelegramStandIn.webhook_delivery(update, "wrong")
    assert client.post(f"/api/channels/{tg['id']}/webhook", data=body, headers=headers).status_code == 401
    event = {"object": "page", "entry": []}
    headers, body = MetaStandIn.delivery(event, "wrong-secret")
    assert client.post(f"/api/channels/{meta['id']}/webhook", data=body, headers=headers).status_code == 401
    assert _stored(inbox) == 0
    headers, body = TelegramStandIn.webhook_delivery(update, "tg-secret")
    ok = client.post(f"/api/channels/{tg['id']}/webhook", data=body, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["stored"] == 1
    again = client.post(f"/api/channels/{tg['id']}/webhook", data=body, headers=headers)
    assert again.get_json()["stored"] == 0 and _stored(inbox) == 1


def test_meta_subscription_handshake(client, world):
    admin = world.agent("admin")
    meta = client.post(
        "/api/channels",
        headers=admin["auth"],
        json={
            "kind": "meta",
            "name": "page",
            "settings": {"page_id": "1"},
            "secrets": {"app_secret": "s", "verify_token": "vt", "page_access_token": "pt"},
        },
    ).get_json()
    ok = client.get(
        f"/api/channels/{meta['id']}/webhook?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42"
    )
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "42"
    bad = client.get(
        f"/api/channels/{meta['id']}/webhook?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42"
    )
    assert bad.status_code == 403


def test_admin_edits_pauses_and_tests_a_channel(client, world, inbox):
    admin, agent = world.agent("admin"), world.agent()
    with MastodonStandIn() as m:
        cid = _mastodon(client, admin, m)
        assert client.post(f"/api/channels/{cid}/test", headers=agent["auth"]).status_code == 403
        tested = client.post(f"/api/channels/{cid}/test", headers=admin["auth"]).get_json()
        assert tested["ok"] is True and tested["found"]
        client.patch(
            f"/api/channels/{cid}", headers=admin["auth"], json={"secrets": {"access_token": "revoked"}}
        )
        broken = client.post(f"/api/channels/{cid}/test", headers=admin["auth"]).get_json()
        assert broken["ok"] is False and "revoked" not in broken["error"]
    paused = client.patch(
        f"/api/channels/{cid}", headers=admin["auth"], json={"enabled": False, "name": "Paused"}
    )
    assert paused.status_code == 200 and paused.get_json()["enabled"] is False
    with inbox.read() as s:
        assert "revoked" not in s.get(ChannelAccount, cid).secrets_encrypted  # encrypted at rest
    bad = client.patch(f"/api/channels/{cid}", headers=admin["auth"], json={"poll_interval_seconds": 1})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "poll_interval_seconds"
    kinds = {k["kind"] for k in client.get("/api/channel-kinds", headers=agent["auth"]).get_json()["kinds"]}
    assert {
        "mastodon",
        "x",
        "bluesky",
        "reddit",
        "telegram",
        "meta",
        "email",
        "rss",
        "webhook",
        "demo",
    } <= kinds
