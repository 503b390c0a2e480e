"""RSS, Atom and Bluesky adapters replayed against real traffic kept in client libraries' test suites.

The test names carry the source: `atproto_sdk` is MarshalX/atproto's test data (a post view
fetched from the Bluesky AppView); `rss_parser` is rbren/rss-parser's `test/input/` (real feeds it
fetched: heise developer's Atom feed, Tencent QQ news in GB2312, the Giant Bombcast podcast).
tests/data/recorded/README.md names the repository, path, commit and licence of each file.
The feeds are served on loopback with their bytes untouched and read through the adapter's
first poll; every field a user sees is asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime

from connectors import registry
from tests.standins.replay import FileReplayStandIn
from tests.standins.testing import FakeClock


def _first_poll(name: str, ctype: str, now: str, backfill_days: int = 7):
    clock = FakeClock(now=datetime.fromisoformat(now).timestamp())
    with FileReplayStandIn(files={"/feed": (f"rss/{name}", ctype)}) as net:
        c = registry.create(
            "rss", {"url": f"{net.base_url}/feed", "backfill_days": backfill_days}, {}, clock=clock
        )
        return c.poll(None)


def test_atom_feed_recorded_by_rss_parser_heise_every_field():
    """An Atom feed naming its author once, for the feed: every entry is by "heise online"."""
    batch = _first_poll("heise_developer_news.atom", "application/atom+xml", "2016-02-02T09:00:00+00:00", 3)
    msgs = batch.messages
    # of 15 entries, the six of Monday 1 Feb; the others, from Friday 29 Jan, are before the horizon
    assert len(msgs) == 6 and msgs[0].external_id == "http://heise.de/-3088146"
    newest = msgs[-1]  # oldest first
    assert (newest.channel, newest.external_id, newest.thread_key) == (
        "rss",
        "http://heise.de/-3088438",
        "http://heise.de/-3088438",
    )
    assert (newest.author.handle, newest.author.display_name) == ("heise online", "heise online")
    assert newest.subject == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert newest.text.startswith(
        "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei\nDie nun verfügbare Version 10 des"
    )
    assert newest.created_at == datetime(2016, 2, 1, 16, 22, tzinfo=UTC)  # published 17:22 +01:00
    assert newest.url == (
        "http://www.heise.de/developer/meldung/Java-Anwendungsserver-Red-Hat-gibt-WildFly-10-frei"
        "-3088438.html?wt_mc=rss.developer.beitrag.atom"
    )
    assert "wildfly-2bf4ffd2935e38b6" in newest.html  # the sanitizer drops remote images later
    assert [m.created_at for m in msgs] == sorted(m.created_at for m in msgs)
    assert all(m.author.handle == "heise online" and not m.attachments for m in msgs)
    # a second poll of the same feed stores nothing again
    assert len({m.external_id for m in msgs}) == len(msgs)


def test_gb2312_rss_recorded_by_rss_parser_qq_news_every_field():
    """GB2312 bytes declared in the XML prolog, items without <guid> and with bare
    "YYYY-MM-DD hh:mm:ss" dates (no zone: taken as UTC, as feedparser reads them)."""
    batch = _first_poll("qq_news_gb2312.xml", "text/xml", "2018-09-19T00:00:00+00:00", 2)
    msgs = batch.messages
    assert len(msgs) == 20
    first = msgs[-1]
    assert first.subject == "习近平为何如此强调崇尚英雄？"
    assert first.text.startswith("习近平为何如此强调崇尚英雄？\n编者按：历史是人民书写的")
    assert first.external_id.startswith("sha256:") and first.thread_key == first.external_id
    assert (first.author.handle, first.author.display_name) == ("www.qq.com", "www.qq.com")
    assert first.created_at == datetime(2018, 9, 18, 14, 38, 10, tzinfo=UTC)
    assert first.url == "http://news.qq.com/a/20180918/009846.htm"
    assert msgs[0].subject == "全国心理卫生学术大会 我国心理健康服务供需失衡严重"
    empty = [m for m in msgs if m.subject == "2018国家网络安全宣传周宣传片"]
    assert [m.text for m in empty] == ["2018国家网络安全宣传周宣传片"]  # an empty description
    quoted = [m for m in msgs if m.subject and m.subject.startswith("【风从海上来】")]
    assert quoted[0].subject == '【风从海上来】宁波：为海洋经济发展"打样"'  # &quot; decoded once
    assert len({m.external_id for m in msgs}) == 20  # no two items hash alike


def test_podcast_rss_recorded_by_rss_parser_giant_bombcast_keeps_enclosures():
    """A podcast's <enclosure> (105 MB of audio/mpeg) is an attachment with its declared size,
    so the inbox refuses it from the size alone, without downloading it."""
    batch = _first_poll("giantbomb_bombcast.rss", "application/rss+xml", "2019-10-02T09:00:00+00:00", 30)
    assert [m.external_id for m in batch.messages] == ["1600-2818", "1600-2823"]
    ep = batch.messages[-1]
    assert ep.subject == "Giant Bombcast 603: Call of Tuesday"
    assert ep.created_at == datetime(2019, 10, 1, 22, 30, tzinfo=UTC)  # 14:30 PST
    assert (ep.author.handle, ep.url) == (
        "Giant Bomb",
        "https://www.giantbomb.com/shows/603-call-of-tuesday/2970-19653/free-podcast",
    )
    assert ep.text.startswith("Giant Bombcast 603: Call of Tuesday\nVideo games! Ghost Recon Breakpoint")
    (audio,) = ep.attachments
    assert (audio.kind, audio.content_type, audio.size) == ("audio", "audio/mpeg", 105003355)
    assert audio.name == "603__Call_of_Tuesday-10-01-2019-6277737276.mp3"
    assert audio.url == (
        "https://dts.podtrac.com/redirect.mp3/www.giantbomb.com/podcasts/download/2823/"
        "603__Call_of_Tuesday-10-01-2019-6277737276.mp3"
    )


# --- Bluesky: a post view fetched from the AppView (MarshalX/atproto's test data) -----------


def test_bluesky_quote_with_image_recorded_by_atproto_sdk_every_field():
    """A real quote post with an image and no text (getPostThread, kept by the Python atproto
    SDK): the image is fetched from the author's repository and the quoted post is kept as a
    link, so an image-only quote still shows what it answers. A notification carries the same
    uri/cid/author/record/indexedAt, which is all the adapter reads."""
    from connectors.bluesky import parse_notification
    from tests.standins.replay import recording

    post = recording("bluesky/atproto_sdk_quote_with_image.json")["response"]["body"]["thread"]["post"]
    m = parse_notification({**post, "reason": "quote"}, {"did:plc:hbtuqflamm5j2i7yahtzsnue": 312})
    uri = "at://did:plc:hbtuqflamm5j2i7yahtzsnue/app.bsky.feed.post/3k3ic43ucbq2f"
    assert (m.channel, m.external_id, m.thread_key, m.in_reply_to) == ("bluesky", uri, uri, None)
    assert (m.author.external_id, m.author.handle, m.author.display_name, m.author.followers) == (
        "did:plc:hbtuqflamm5j2i7yahtzsnue",
        "raven.corvids.club",
        "raven",
        312,
    )
    assert m.author.profile_url == "https://bsky.app/profile/raven.corvids.club"
    assert m.url == "https://bsky.app/profile/raven.corvids.club/post/3k3ic43ucbq2f"
    assert m.text == "" and m.language_hint == "en" and m.public
    assert m.created_at == datetime(2023, 7, 27, 6, 24, 25, 696000, tzinfo=UTC)
    image, quoted = m.attachments
    cid = "bafkreif2blhvgss23kj2lqi6b6qkb6jqnz3zze6mvyvh7argmhpealzlw4"
    assert (image.kind, image.content_type, image.size) == ("image", "image/jpeg", 282975)
    assert image.url == f"/xrpc/com.atproto.sync.getBlob?did=did:plc:hbtuqflamm5j2i7yahtzsnue&cid={cid}"
    assert (quoted.kind, quoted.name, quoted.url) == (
        "link",
        "quoted post",
        "https://bsky.app/profile/did:plc:z2rokxrttw5254hogmucux2x/post/3k3hbh6k7752z",
    )
