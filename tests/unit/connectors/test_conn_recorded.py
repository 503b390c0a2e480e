"""Each adapter replayed against traffic recorded from the real networks (tests/data/recorded/).

The test names carry the source of the recording: `mastodon_py` (Mastodon.py's cassettes),
`tweepy` (tweepy's cassettes), `python_twitter` (sns-sdks/python-twitter's recorded
responses), `praw` (PRAW's cassettes), `meta_docs` (payloads printed in Meta's webhook
documentation). tests/data/recorded/README.md names the repository, path, commit and licence
of every file. Every field a user sees is asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors import registry
from connectors.errors import PayloadError
from connectors.meta import parse_events
from connectors.poller import PollPolicy, PollState, poll_channel
from connectors.reddit import parse_listing
from connectors.types import OutboundReply
from connectors.x import FIELDS, parse_page
from tests.standins import MetaStandIn
from tests.standins.replay import ReplayStandIn, recording
from tests.standins.testing import FakeClock, RecordingStore


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def body(name: str):
    return recording(name)["response"]["body"]


# --- Mastodon ------------------------------------------------------------------------------


MENTION = "mastodon/notifications_mentions_only.json"


def test_mastodon_mention_recorded_by_mastodon_py_every_field():
    rec = recording(MENTION)
    with ReplayStandIn(replies={("GET", "/api/v1/notifications"): rec}) as net:
        c = registry.create("mastodon", {"base_url": net.base_url}, {"access_token": "t"})
        batch = c.poll("20")  # a high-water mark below the recorded notification 21
        assert net.requests[-1].query["min_id"] == ["20"] and net.requests[-1].query["types[]"] == ["mention"]
    [m] = batch.messages
    assert (m.channel, m.external_id, m.thread_key, m.in_reply_to) == (
        "mastodon",
        "117020577157693549",
        "117020577157693549",
        None,
    )
    assert (m.author.external_id, m.author.handle, m.author.display_name) == (
        "117020565693913441",
        "admin",
        "",
    )
    assert (m.author.profile_url, m.author.followers) == ("http://localhost:3000/@admin", 1)
    assert m.text == "@mastodonpy_test hello!" and "u-url mention" in m.html
    assert m.created_at == utc("2026-08-01T13:51:42.823Z") and m.language_hint == "en"
    assert m.public and m.url == "http://localhost:3000/@admin/117020577157693549"
    assert batch.next_cursor == "21"
    rate = batch.rate_limit
    assert (rate.limit, rate.remaining, rate.reset_at) == (300, 299, utc("2026-08-01T13:55:00.940463Z"))


def test_mastodon_first_poll_backfills_the_mention_recorded_by_mastodon_py():
    rec = recording(MENTION)
    clock = FakeClock(now=utc("2026-08-02T09:00:00Z").timestamp())  # the mention is a day old
    with ReplayStandIn(replies={("GET", "/api/v1/notifications"): rec}, clock=clock) as net:
        c = registry.create("mastodon", {"base_url": net.base_url}, {"access_token": "t"}, clock=clock)
        store = RecordingStore()
        out = poll_channel(c, PollState(), store, clock.now, policy=PollPolicy(), sleep=clock.sleep)
        assert out.health.status == "ok" and list(store.messages) == ["117020577157693549"]
        seek, forward = net.requests[0], net.requests[1]
        assert "max_id" not in seek.query and "min_id" not in seek.query  # the walk back from the top
        assert forward.query["min_id"] == ["0"]  # the account's history starts within the horizon
    assert out.state.cursor == "21"


def test_mastodon_backfill_zero_starts_from_now_with_the_mastodon_py_recording():
    rec = recording(MENTION)
    clock = FakeClock(now=utc("2026-08-02T09:00:00Z").timestamp())
    with ReplayStandIn(replies={("GET", "/api/v1/notifications"): rec}, clock=clock) as net:
        c = registry.create(
            "mastodon", {"base_url": net.base_url, "backfill_days": 0}, {"access_token": "t"}, clock=clock
        )
        first = c.poll(None)
    assert first.messages == () and first.next_cursor == "21"  # follows from the newest, stores none


def test_mastodon_reply_answered_as_recorded_by_mastodon_py_status_reply():
    rec = recording("mastodon/status_reply.json")
    with ReplayStandIn(replies={("POST", "/api/v1/statuses"): rec}) as net:
        c = registry.create("mastodon", {"base_url": net.base_url}, {"access_token": "t"})
        sent = c.send_reply(
            OutboundReply(
                "mastodon",
                "117020583245459824",
                "same!",
                in_reply_to="117020583245459824",
                metadata={"outbox_id": "murmur-outbox-7"},
            )
        )
        req = net.requests[-1]
    assert sent == "117020583258292382"  # the id the real server gave the reply
    assert req.json()["in_reply_to_id"] == "117020583245459824"
    assert req.headers["idempotency-key"] == "murmur-outbox-7"


# --- X -------------------------------------------------------------------------------------


def test_x_mentions_recorded_by_tweepy_without_fields_are_rejected_never_stored_blank():
    messages, rejected = parse_page(body("x/tweepy_get_users_mentions.json"))
    assert messages == [] and len(rejected) == 10
    assert rejected[0] == "1578516295611748353: no author_id (the response lacks expansions=author_id)"


def test_x_timeline_recorded_by_python_twitter_without_author_is_rejected_in_health():
    rec = recording("x/sns_timeline_mentions.json")
    clock = FakeClock()
    with ReplayStandIn(replies={("GET", "/2/users/2244994945/mentions"): rec}, clock=clock) as net:
        c = registry.create(
            "x", {"base_url": net.base_url, "user_id": "2244994945"}, {"bearer_token": "t"}, clock=clock
        )
        store = RecordingStore()
        policy = PollPolicy(max_pages=1)
        out = poll_channel(c, PollState(), store, clock.now, policy=policy, sleep=clock.sleep)
        asked = net.requests[0].query
    assert store.messages == {}  # never an empty author, x.com//status/.. or a 1970 date
    assert len(out.health.rejected) == 5 and "no author_id" in out.health.rejected[0]
    assert out.health.as_dict()["rejected"][0].startswith("1364398068313903104: ")
    # and every call asks for what a stored post needs
    for name, value in FIELDS.items():
        assert set(value.split(",")) <= set(asked[name][0].split(","))
    assert {"author_id", "referenced_tweets.id"} <= set(asked["expansions"][0].split(","))
    assert {"created_at", "conversation_id", "public_metrics", "referenced_tweets", "lang"} <= set(
        asked["tweet.fields"][0].split(",")
    )
    assert {"public_metrics", "name", "username"} <= set(asked["user.fields"][0].split(","))
    assert "start_time" in asked  # the first poll reaches back to the backfill horizon


def test_x_threading_by_referenced_tweets_recorded_by_python_twitter_search():
    messages, rejected = parse_page(body("x/sns_search_tweets_query.json"))
    assert rejected == []
    got = {m.external_id: m for m in messages}
    assert list(got) == [
        "1276035977375477760",
        "1275882613572583424",
        "1275763727908798470",
        "1275653067283759104",
    ]
    # all four hang off one root (seen only in includes.tweets): one conversation
    assert {m.thread_key for m in messages} == {"1273733248749690880"}
    assert got["1276035977375477760"].in_reply_to == "1275653067283759104"
    assert got["1275882613572583424"].in_reply_to == "1273733248749690880"
    first = got["1276035977375477760"]
    assert (first.author.external_id, first.author.handle, first.author.display_name) == (
        "63046977",
        "happycamper",
        "Emily Waligoske 🏕",
    )
    assert first.url == "https://x.com/happycamper/status/1276035977375477760"
    assert first.created_at == utc("2020-06-25T06:14:19.000Z") and first.language_hint == "en"
    assert first.text.startswith("@snowman Ooo, thanks error message")
    assert got["1275763727908798470"].language_hint is None  # "und": X could not tell


def test_x_conversation_id_wins_when_present_with_the_python_twitter_recording():
    page = body("x/sns_search_tweets_query.json")
    page = {**page, "data": [{**p, "conversation_id": "42"} for p in page["data"]]}
    assert {m.thread_key for m in parse_page(page)[0]} == {"42"}


def test_x_reply_answered_as_recorded_by_tweepy_create_tweet():
    rec = recording("x/tweepy_create_tweet.json")
    with ReplayStandIn(replies={("POST", "/2/tweets"): rec}) as net:
        c = registry.create("x", {"base_url": net.base_url, "user_id": "1"}, {"bearer_token": "t"})
        assert (
            c.send_reply(OutboundReply("x", "1", "Test Tweet", in_reply_to="1456")) == "1456012973835788293"
        )
        assert net.requests[-1].json() == {"text": "Test Tweet", "reply": {"in_reply_to_tweet_id": "1456"}}


# --- Reddit --------------------------------------------------------------------------------


def test_reddit_messages_recorded_by_praw_keep_subject_and_nested_replies():
    children = body("reddit/praw_inbox_messages.json")["data"]["children"]
    nested = sum(
        len(c["data"]["replies"]["data"]["children"])
        for c in children
        if isinstance(c["data"]["replies"], dict)
    )
    messages, rejected = parse_listing(children)
    assert rejected == [] and nested == 29 and len(messages) == len(children) + nested == 49
    got = {m.external_id: m for m in messages}
    root, reply = got["t4_22ydk2c"], got["t4_22ydkji"]
    assert root.subject == "Regarding your recent submission to r/Lil_SpazTest)"
    assert (root.thread_key, root.in_reply_to, root.public) == ("pm:t4_22ydk2c", None, False)
    assert (root.author.external_id, root.author.handle) == ("t2_pqpj344sq", "UnExplanationBot")
    assert reply.subject == "re: Regarding your recent submission to r/Lil_SpazTest)"
    assert (reply.thread_key, reply.in_reply_to) == ("pm:t4_22ydk2c", "t4_22ydk2c")
    assert reply.text.startswith("Should be long enough") and reply.created_at == datetime.fromtimestamp(
        1703359127, UTC
    )
    assert all(m.subject for m in messages)
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)  # oldest first


def test_reddit_comment_replies_recorded_by_praw_thread_under_the_post():
    children = body("reddit/praw_inbox_comment_replies.json")["data"]["children"]
    assert all("link_id" not in c["data"] for c in children)  # what real inbox items lack
    messages, _ = parse_listing(children)
    m = next(m for m in messages if m.external_id == "t1_mynqwvd")
    assert (m.thread_key, m.in_reply_to, m.public) == ("t3_1j7g9uj", "t1_myngt77", True)
    assert m.subject == "Test post pls ignore" and m.text == "Comment Body"
    assert (
        m.url
        == "https://www.reddit.com/r/Lil_SpazJoekp/comments/1j7g9uj/test_post_pls_ignore/mynqwvd/?context=3"
    )
    assert (m.author.external_id, m.author.handle) == ("t2_3ebyblla", "Lil_SpazBot")
    assert m.created_at == datetime.fromtimestamp(1750351619, UTC)
    assert all(m.thread_key.startswith("t3_") for m in messages)


def test_reddit_mentions_recorded_by_praw_thread_under_the_post():
    children = body("reddit/praw_inbox_mentions.json")["data"]["children"]
    messages, _ = parse_listing(children)
    assert len(messages) == len(children) and all(m.thread_key.startswith("t3_") for m in messages)
    for m, c in zip(
        sorted(messages, key=lambda m: m.external_id),
        sorted(children, key=lambda c: c["data"]["name"]),
        strict=True,
    ):
        assert m.thread_key == "t3_" + c["data"]["context"].split("/comments/")[1].split("/")[0]
        assert m.subject == c["data"]["link_title"] and m.author.handle == c["data"]["author"]


# --- Meta ----------------------------------------------------------------------------------


def meta_connector(net=None):
    settings = {"page_id": "104000000000001", "ig_user_id": "17841400000000001", "timeout": 1.0}
    if net is not None:
        settings["base_url"] = net.base_url
    return registry.create(
        "meta", settings, {"app_secret": "appsecret", "verify_token": "vt", "page_access_token": "page-token"}
    )


def test_meta_docs_instagram_array_with_field_value_on_the_entry_is_parsed():
    [m] = parse_events(body_of("meta/instagram_comment_field_value.json"))
    assert (m.channel, m.external_id, m.thread_key, m.public) == (
        "instagram",
        "17919697626119712",
        "18172143295349192",
        True,
    )
    assert (m.author.external_id, m.author.handle, m.author.display_name) == (
        "2105722729836161",
        "jiangwenwen1213",
        "jiangwenwen1213",
    )
    assert m.author.profile_url == "https://instagram.com/jiangwenwen1213"
    assert m.text == "Do you ship to Chiang Mai?" and m.created_at == datetime.fromtimestamp(1755779280, UTC)


def test_meta_docs_messenger_message_gets_the_author_name_once():
    payload = body_of("meta/messenger_message_text.json")
    with MetaStandIn(profiles={"1254459154682919": {"first_name": "Peter", "last_name": "Chang"}}) as g:
        c = meta_connector(g)
        headers, raw = MetaStandIn.delivery(payload, "appsecret")
        [m] = c.parse_webhook(headers, raw)
        again = c.parse_webhook(headers, raw)[0]
        lookups = g.calls("/1254459154682919")
    assert (m.channel, m.external_id, m.thread_key, m.public) == (
        "messenger",
        "mid.1457764197618:41d102a3e1ae206a38",
        "dm:1254459154682919",
        False,
    )
    assert (m.author.external_id, m.author.display_name) == ("1254459154682919", "Peter Chang")
    assert m.text == "hello, world!" and m.created_at == datetime.fromtimestamp(1457764197.627, UTC)
    assert again.author.display_name == "Peter Chang" and len(lookups) == 1  # cached
    assert lookups[0].arg("fields") == "first_name,last_name"


def test_meta_docs_messenger_without_profile_access_keeps_the_message_nameless():
    payload = body_of("meta/messenger_message_text.json")
    payload["entry"][0]["messaging"][0]["sender"]["id"] = "9990001112223334"
    with MetaStandIn() as g:  # Graph answers code 100: this token may not see the profile
        headers, raw = MetaStandIn.delivery(payload, "appsecret")
        [m] = meta_connector(g).parse_webhook(headers, raw)
    assert m.author.display_name == "" and m.author.external_id == "9990001112223334"


def test_meta_docs_standby_echo_is_a_known_shape_with_no_message():
    assert parse_events(body_of("meta/messenger_echo_standby.json")) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        ("page", "body"),
        ([{"object": "page", "entry": [{"id": "1", "time": 1}]}], "entry"),
        ({"object": "page", "entry": {"id": "1"}}, "entry"),
        ({"object": "page", "entry": ["x"]}, "entry"),
        ({"object": "whatsapp_business_account", "entry": []}, "object"),
        (
            {"object": "instagram", "entry": [{"id": "1", "field": "comments", "value": {"text": "hi"}}]},
            "entry.changes.value.id",
        ),
        (
            {"object": "page", "entry": [{"id": "1", "messaging": [{"message": {"mid": "m1"}}]}]},
            "entry.messaging.sender.id",
        ),
    ],
)
def test_meta_unknown_shapes_are_payload_errors_naming_the_part(payload, field):
    with pytest.raises(PayloadError) as err:
        parse_events(payload)
    assert err.value.field == field


def body_of(name: str):
    import copy

    return copy.deepcopy(recording(name)["body"])


def test_reddit_standin_nests_a_new_reply_like_the_praw_recording_and_the_poll_finds_it():
    from tests.standins import RedditStandIn

    clock = FakeClock()
    with RedditStandIn(clock=clock) as r:
        [first] = r.add_mentions(1, kind="t4")
        r.add_mentions(3)
        settings = {
            "base_url": r.base_url,
            "auth_url": r.base_url,
            "client_id": r.client_id,
            "username": r.username,
            "timeout": 1.0,
        }
        c = registry.create(
            "reddit", settings, {"client_secret": r.client_secret, "password": r.password}, clock=clock
        )
        store = RecordingStore()
        out = poll_channel(c, PollState(), store, clock.now, policy=PollPolicy(), sleep=clock.sleep)
        assert len(store.messages) == 4
        clock.advance(120)
        reply = r.reply_in_thread(first)
        again = poll_channel(c, out.state, store, clock.now, policy=PollPolicy(), sleep=clock.sleep)
    assert again.health.stored == 1 and store.messages[reply].thread_key == f"pm:{first}"
    assert store.messages[reply].in_reply_to == first and store.messages[reply].subject == "re: order"


# --- E-mail (real list mail in GB2312, Big5 and TIS-620) -----------------------------------


def eml(name: str) -> bytes:
    from tests.standins.replay import RECORDED

    return (RECORDED / "email" / name).read_bytes()


def test_email_gb2312_recorded_by_spice_devel_archive_decodes_name_body_and_html():
    from connectors.email import parse_message

    m = parse_message(eml("gb2312_spice_devel.eml"))
    assert m.subject == "[Spice-devel] why does X11 SHM backend is not compatible with GTK3?"
    assert (m.author.email, m.author.display_name) == ("kunming.xie@hotmail.com", "谢 昆明")
    assert (
        m.text
        == "Why does it not compatible?\n\n发送自 Windows 10 版邮件<https://go.microsoft.com/fwlink/?LinkId=550986>应用"
    )
    assert "发送自" in m.html and "\r" not in m.text
    assert m.created_at == utc("2019-07-18T03:15:03Z") and m.public is False
    assert (
        m.external_id
        == m.thread_key
        == "<HK2PR0401MB19568DF216DAD036441DC658E8C80@HK2PR0401MB1956.apcprd04.prod.outlook.com>"
    )


def test_email_big5_subject_recorded_by_linux_spi_archive_threads_and_answers_re():
    from connectors.email import parse_message, reply_subject

    m = parse_message(eml("big5_subject_linux_spi.eml"))
    assert m.subject == "回信: [RFC PATCH 09/10] spi: mxic: Add support for direct mapping"
    assert m.thread_key == "<20211008162228.1753083-1-miquel.raynal@bootlin.com>"  # the thread's root
    assert m.in_reply_to == "<20211008162228.1753083-10-miquel.raynal@bootlin.com>"
    assert (m.author.email, m.author.display_name) == ("jaimeliao@mxic.com.tw", "")
    assert m.text.startswith("Hi Miquel\n\nZhengxunLi have patch") and m.created_at == utc(
        "2021-10-12T07:14:56Z"
    )
    assert reply_subject(m.subject) == "Re: [RFC PATCH 09/10] spi: mxic: Add support for direct mapping"


def test_email_tis620_recorded_by_lore_lkml_archive_decodes_thai():
    from connectors.email import parse_message, reply_subject

    m = parse_message(eml("tis620_lkml.eml"))
    assert m.text.endswith("OS : Linux 2.4.22-rc2-ac3 #1 พฤ. ส.ค. 21 18:51:09 ICT 2003 i686 GNU/Linux")
    assert (m.author.email, m.author.display_name) == ("mrchoke@opentle.org", "Supphachoke Suntiwichaya")
    assert m.subject == "Re: Linux 2.4.23-pre3" and reply_subject(m.subject) == "Re: Linux 2.4.23-pre3"
    assert m.created_at == utc("2003-09-04T03:18:24Z")


# --- Telegram ------------------------------------------------------------------------------


def test_telegram_private_message_recorded_by_coffeebot_every_field():
    from tests.standins import TelegramStandIn

    update = body_of("telegram/coffeebot_private_text_update.json")
    c = registry.create(
        "telegram", {"base_url": "http://127.0.0.1:9"}, {"bot_token": "1:x", "webhook_secret": "s-1"}
    )
    headers, raw = TelegramStandIn.webhook_delivery(update, "s-1")
    [m] = c.parse_webhook(headers, raw)
    assert (m.channel, m.external_id, m.thread_key, m.in_reply_to, m.public) == (
        "telegram",
        "234140659:698",
        "234140659",
        None,
        False,
    )
    assert (m.author.external_id, m.author.handle, m.author.display_name) == (
        "234140659",
        "zhmurko",
        "Dmitry",
    )
    assert m.author.profile_url == "https://t.me/zhmurko" and m.language_hint == "en"
    assert m.text == "test" and m.created_at == datetime.fromtimestamp(1650205024, UTC)


def test_an_unreadable_item_is_rejected_into_health_not_a_crash_on_the_mastodon_py_recording():
    rec = recording(MENTION)
    broken = {
        **rec,
        "response": {
            **rec["response"],
            "body": [{"id": "22", "type": "mention", "status": {}}, *rec["response"]["body"]],
        },
    }
    with ReplayStandIn(replies={("GET", "/api/v1/notifications"): broken}) as net:
        batch = registry.create("mastodon", {"base_url": net.base_url}, {"access_token": "t"}).poll("20")
    assert [m.external_id for m in batch.messages] == ["117020577157693549"]
    assert batch.rejected == ("22: unreadable item (KeyError: 'account')",) and batch.next_cursor == "22"


def test_telegram_webhook_with_an_unreadable_message_is_a_payload_error():
    from tests.standins import TelegramStandIn

    c = registry.create(
        "telegram", {"base_url": "http://127.0.0.1:9"}, {"bot_token": "1:x", "webhook_secret": "s"}
    )
    headers, raw = TelegramStandIn.webhook_delivery({"update_id": 1, "message": {"chat": {"id": 5}}}, "s")
    with pytest.raises(PayloadError) as err:
        c.parse_webhook(headers, raw)
    assert err.value.field == "message"


# --- Bluesky -------------------------------------------------------------------------------


def test_bluesky_mention_recorded_by_social_metricbot_every_field():
    from connectors.bluesky import parse_notification

    [n] = body("bluesky/metricbot_list_notifications.json")["notifications"]
    m = parse_notification(n, {"did:plc:n5o2wksggcs653t3seg5eu6b": 17})
    uri = "at://did:plc:n5o2wksggcs653t3seg5eu6b/app.bsky.feed.post/3kaqpcklzqg2x"
    assert (m.channel, m.external_id, m.thread_key, m.in_reply_to, m.public) == (
        "bluesky",
        uri,
        uri,
        None,
        True,
    )
    assert (m.author.external_id, m.author.handle, m.author.display_name, m.author.followers) == (
        "did:plc:n5o2wksggcs653t3seg5eu6b",
        "user",
        "User",
        17,
    )
    assert m.author.profile_url == "https://bsky.app/profile/user"
    assert m.url == "https://bsky.app/profile/user/post/3kaqpcklzqg2x"
    assert m.text.startswith("Here on #BlueSky some good bots") and m.language_hint == "en"
    assert m.created_at == utc("2023-10-02T05:47:58.002Z")


def test_bluesky_reply_mention_recorded_by_social_metricbot_threads_under_its_root():
    from connectors.bluesky import parse_notification

    m = parse_notification(body_of("bluesky/metricbot_mention_reply.json"), {})
    root = "at://did:plc:n5o2wksggcs653t3seg5eu6b/app.bsky.feed.post/3kawzppdvec2y"
    assert (m.thread_key, m.in_reply_to) == (root, root)
    assert m.text == "@metricbot.bsky.social convert please!" and m.created_at == utc(
        "2023-10-04T18:10:32.705Z"
    )
