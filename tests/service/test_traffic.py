"""Real-traffic promises end to end on the database: backfill on connect, an outbox that cannot
double-send, rejected items in the channel's health, clear 400s for unknown webhook shapes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from connectors import registry
from connectors.types import OutboundReply
from connectors.x import FIELDS
from inbox.channels.accounts import create_channel, update_channel
from inbox.channels.outbox import deliver_due, idempotency_key
from inbox.channels.polling import poll
from inbox.store.models import ChannelAccount, Message, Outbox
from tests.standins import MastodonStandIn, MetaStandIn, XStandIn
from tests.standins.replay import ReplayStandIn, recording

DAY = 86400.0


def _epoch(clock):
    return lambda: clock().timestamp()


def _mastodon(inbox, m, team_id=None, **settings):
    channel, _ = create_channel(
        inbox,
        None,
        "mastodon",
        "Brand on Mastodon",
        {"base_url": m.base_url, "timeout": 2.0, **settings},
        {"access_token": m.token},
        team_id,
    )
    return channel["id"]


def _stored(inbox, channel_id):
    with inbox.read() as s:
        return list(
            s.execute(
                select(Message.external_id, Message.created_at)
                .where(Message.channel_account_id == channel_id, Message.direction == "in")
                .order_by(Message.id)
            )
        )


def test_new_channel_backfills_130_mentions_over_5_days_once_around_a_429(inbox, clock):
    epoch = _epoch(clock)
    with MastodonStandIn(clock=epoch) as m:
        span = 5 * DAY
        ids = m.add_mentions(130, ages=[span - i * span / 130 for i in range(130)])  # oldest first
        cid = _mastodon(inbox, m)  # default settings: backfill_days 7, pages of 80
        # walk back (2 pages), then the 429 lands between the two forward pages that store
        m.rate_limit_next(reset_in=600, path="/api/v1/notifications", after=3)
        first = poll(inbox, cid, force=True, clock=epoch)
        assert first.status == "rate_limited" and first.stored == 80
        reset = clock().timestamp() + 600
        served = len(m.requests)
        clock.advance(seconds=300)
        early = poll(inbox, cid, force=True, clock=epoch)
        assert not early.ran and len(m.requests) == served  # no call before the reset, not even forced
        clock.advance(seconds=301)
        late = poll(inbox, cid, force=True, clock=epoch)
        assert late.status == "ok" and late.stored == 50
        after_429 = m.requests[served:]
        assert after_429 and all(r.served_at >= reset for r in after_429)
        rows = _stored(inbox, cid)
        assert sorted(r.external_id for r in rows) == sorted(ids)  # all 130, each exactly once
        assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)  # oldest first
        clock.advance(seconds=120)
        again = poll(inbox, cid, force=True, clock=epoch)
        assert again.status == "ok" and again.stored == 0 and len(_stored(inbox, cid)) == 130


def test_backfill_stops_at_the_horizon_and_zero_starts_from_now(inbox, clock):
    epoch = _epoch(clock)
    with MastodonStandIn(clock=epoch) as m:
        old = m.add_mentions(5, ages=[10 * DAY - i for i in range(5)])  # older than a week
        recent = m.add_mentions(4, ages=[DAY - i for i in range(4)])
        week = _mastodon(inbox, m, page_size=3)
        assert poll(inbox, week, force=True, clock=epoch).stored == 4
        assert sorted(r.external_id for r in _stored(inbox, week)) == sorted(recent)
        assert not set(old) & {r.external_id for r in _stored(inbox, week)}
        now_only = _mastodon(inbox, m, backfill_days=0)
        assert poll(inbox, now_only, force=True, clock=epoch).stored == 0
        fresh = m.add_mentions(2)
        clock.advance(seconds=120)
        assert poll(inbox, now_only, force=True, clock=epoch).stored == 2
        assert sorted(r.external_id for r in _stored(inbox, now_only)) == sorted(fresh)


def test_backfill_days_is_validated_with_a_clear_400(client, world):
    admin = world.agent("admin")
    body = {
        "kind": "mastodon",
        "name": "m",
        "settings": {"base_url": "http://127.0.0.1:9", "backfill_days": -1},
        "secrets": {"access_token": "t"},
    }
    res = client.post("/api/channels", json=body, headers=admin["auth"])
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "settings.backfill_days"


def _conversation_ids(client, agent, n):
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    assert len(convs) == n
    return [c["id"] for c in convs]


def test_network_answering_every_reply_with_one_id_gets_each_reply_once(client, world, inbox, clock):
    epoch = _epoch(clock)
    agent = world.agent()
    with MastodonStandIn(clock=epoch, fixed_status_id="114000000000000777") as m:
        m.add_mentions(1, account="ann")
        m.add_mentions(1, account="bob")
        m.add_mentions(1, account="cy")
        cid = _mastodon(inbox, m, world.team_id())
        assert poll(inbox, cid, force=True, clock=epoch).stored == 3
        for conv in _conversation_ids(client, agent, 3):
            res = client.post(
                f"/api/conversations/{conv}/replies", json={"text": "On it!"}, headers=agent["auth"]
            )
            assert res.status_code == 201
        assert deliver_due(inbox) == 3
        for minutes in (6, 60, 600):  # past the lease, the backoff and the Idempotency-Key's hour
            clock.advance(minutes=minutes)
            assert deliver_due(inbox) == 0
        posts = m.calls("/api/v1/statuses")
        assert len(posts) == 3 and len({p.headers["idempotency-key"] for p in posts}) == 3
    with inbox.read() as s:
        boxes = list(s.scalars(select(Outbox).order_by(Outbox.id)))
        assert [b.status for b in boxes] == ["sent"] * 3
        assert {b.sent_external_id for b in boxes} == {"114000000000000777"}
        holders = s.scalars(select(Message.id).where(Message.external_id == "114000000000000777")).all()
        assert len(holders) == 1  # the id is on one message; the others keep it on their delivery
        assert all("already has" in (b.last_error or "") for b in boxes[1:])


def test_unreadable_answer_is_never_resent_on_a_network_without_idempotency(client, world, inbox, clock):
    agent = world.agent()
    accepted_without_id = {"response": {"status": 201, "headers": {}, "body": {"data": {}}}}
    with XStandIn() as x:
        x.add_mentions(1)
        channel, _ = create_channel(
            inbox,
            None,
            "x",
            "X",
            {"base_url": x.base_url, "user_id": x.user_id, "timeout": 2.0},
            {"bearer_token": x.token},
            world.team_id(),
        )
        assert poll(inbox, channel["id"], force=True).stored == 1
        with ReplayStandIn(replies={("POST", "/2/tweets"): accepted_without_id}) as net:
            update_channel(inbox, None, channel["id"], {"settings": {"base_url": net.base_url}})
            [conv] = _conversation_ids(client, agent, 1)
            client.post(f"/api/conversations/{conv}/replies", json={"text": "Sorry!"}, headers=agent["auth"])
            deliver_due(inbox)
            clock.advance(hours=2)
            deliver_due(inbox)
            assert len(net.calls("/2/tweets")) == 1
    with inbox.read() as s:
        box = s.scalar(select(Outbox))
        assert box.status == "failed" and box.last_error.startswith("delivery unknown")


def test_worker_dying_mid_send_resends_only_where_the_key_deduplicates(client, world, inbox, clock):
    epoch = _epoch(clock)
    agent = world.agent()
    with MastodonStandIn(clock=epoch) as m:
        m.add_mentions(1)
        cid = _mastodon(inbox, m, world.team_id())
        poll(inbox, cid, force=True, clock=epoch)
        [conv] = _conversation_ids(client, agent, 1)
        client.post(f"/api/conversations/{conv}/replies", json={"text": "Hello"}, headers=agent["auth"])
        with inbox.unit_of_work() as uow:  # a worker claimed it, sent it, and died before recording
            box = uow.session.scalar(select(Outbox))
            box.status, box.attempts, box.next_attempt_at = "sending", 1, clock() + timedelta(minutes=5)
        with inbox.read() as s:
            key = idempotency_key(s.scalar(select(Outbox)))
        registry.create("mastodon", {"base_url": m.base_url}, {"access_token": m.token}).send_reply(
            OutboundReply("mastodon", "t", "Hello", metadata={"outbox_id": key})
        )
        assert deliver_due(inbox) == 0  # still within the lease: untouched
        clock.advance(minutes=6)
        deliver_due(inbox)
        assert len(m.statuses) == 1 and len(m.calls("/api/v1/statuses")) == 2  # resent, deduplicated
    with inbox.read() as s:
        assert s.scalar(select(Outbox)).status == "sent"


def test_x_items_without_author_are_rejected_into_the_channel_health(client, world, inbox):
    admin = world.agent("admin")
    rec = recording("x/sns_timeline_mentions.json")
    with ReplayStandIn(replies={("GET", "/2/users/2244994945/mentions"): rec}) as net:
        channel, _ = create_channel(
            inbox,
            None,
            "x",
            "X",
            {"base_url": net.base_url, "user_id": "2244994945", "max_pages": 1},
            {"bearer_token": "t"},
        )
        report = poll(inbox, channel["id"], force=True)
        asked = net.requests[0].query
    assert report.stored == 0 and report.status == "ok"
    assert asked["expansions"] == [FIELDS["expansions"]]
    health = {c["id"]: c for c in client.get("/api/channels", headers=admin["auth"]).get_json()["channels"]}[
        channel["id"]
    ]["health"]
    assert health["items_rejected"] == 5 and len(health["rejected"]) == 5
    assert health["rejected"][0]["item"].startswith("1364398068313903104: no author_id")
    with inbox.read() as s:
        assert s.scalar(select(Message.id)) is None  # nothing stored with a blank author or a 1970 date


def test_meta_webhook_json_array_and_unknown_shapes_answer_400_not_500(client, inbox):
    with MetaStandIn() as g:
        channel, _ = create_channel(
            inbox,
            None,
            "meta",
            "Page",
            {"base_url": g.base_url, "page_id": g.page_id, "ig_user_id": "17841400000000001", "timeout": 1.0},
            {"app_secret": "appsecret", "verify_token": "vt", "page_access_token": g.token},
        )
        url = f"/api/channels/{channel['id']}/webhook"
        documented = recording("meta/instagram_comment_field_value.json")["body"]
        headers, raw = MetaStandIn.delivery(documented, "appsecret")
        ok = client.post(url, data=raw, headers=headers)
        assert ok.status_code == 200, ok.get_json()
        for bad, field in (
            ([{"object": "page", "entry": [{"id": "1"}]}], "entry"),
            (["page"], "body"),
            ({"object": "page", "entry": "x"}, "entry"),
        ):
            headers, raw = MetaStandIn.delivery(bad, "appsecret")
            res = client.post(url, data=raw, headers=headers)
            assert res.status_code == 400 and res.get_json()["error"]["field"] == field, res.get_json()
    with inbox.read() as s:
        assert s.scalars(select(Message.external_id)).all() == ["17919697626119712"]


def test_email_reply_answers_re_the_customers_subject_over_real_imap_and_smtp(client, world, inbox):
    from email import policy
    from email.parser import BytesParser

    import pytest

    from tests.standins.mail import PASSWORD, Dovecot, SmtpSink, dovecot_available
    from tests.standins.replay import RECORDED
    from tests.standins.testing import needs

    if not dovecot_available():
        pytest.skip(needs("Debian package dovecot-imapd"))
    agent = world.agent()
    with Dovecot() as d, SmtpSink() as sink:
        d.append((RECORDED / "email" / "gb2312_spice_devel.eml").read_bytes())
        settings = d.settings(
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_starttls=False,
            from_address="support@acme.example",
        )
        channel, _ = create_channel(
            inbox, None, "email", "Mail", settings, {"password": PASSWORD}, world.team_id()
        )
        assert poll(inbox, channel["id"], force=True).stored == 1
        [conv] = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
        assert conv["subject"] == "[Spice-devel] why does X11 SHM backend is not compatible with GTK3?"
        client.post(
            f"/api/conversations/{conv['id']}/replies", json={"text": "Try GTK 3.24"}, headers=agent["auth"]
        )
        assert deliver_due(inbox) == 1
    [env] = sink.messages
    sent = BytesParser(policy=policy.default).parsebytes(env.content)
    assert sent["Subject"] == "Re: [Spice-devel] why does X11 SHM backend is not compatible with GTK3?"
    root = "<HK2PR0401MB19568DF216DAD036441DC658E8C80@HK2PR0401MB1956.apcprd04.prod.outlook.com>"
    assert sent["In-Reply-To"] == root and sent["References"] == root
    assert env.rcpt_tos == ["kunming.xie@hotmail.com"]


def test_a_polled_post_the_database_cannot_hold_is_refused_alone_and_the_cursor_moves_on(inbox, clock):
    """A 300-character handle is stored with 200 on SQLite and fails the whole batch on PostgreSQL;
    polled or pushed, it is left out with its reason and the rest of the page is stored."""
    epoch = _epoch(clock)
    with MastodonStandIn(clock=epoch) as m:
        good = m.add_mentions(2, ages=[60.0, 50.0])
        bad = m.add_mentions(1, account="a" * 300, ages=[40.0])
        cid = _mastodon(inbox, m)
        first = poll(inbox, cid, force=True, clock=epoch)
        assert first.status == "ok" and first.stored == 2, first
        assert sorted(r.external_id for r in _stored(inbox, cid)) == sorted(good)
        with inbox.read() as s:
            kept = s.get(ChannelAccount, cid).poll_state["rejected"]
        assert any(bad[0] in r["item"] and "author.handle" in r["item"] for r in kept), kept
        clock.advance(seconds=120)
        again = poll(inbox, cid, force=True, clock=epoch)
        assert again.status == "ok" and again.stored == 0 and again.fetched == 0  # not fetched again
