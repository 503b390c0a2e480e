"""Listening streams through the real interfaces: search stand-ins with their documented paging,
the database (SQLite and PostgreSQL), the HTTP API and Socket.IO."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.types import Author, InboundMessage
from inbox.admin.invite_mail import Smtp
from inbox.channels import poll_runner
from inbox.channels.accounts import create_channel
from inbox.listening import alerts, polling, promotion
from inbox.listening.mentions import store_found
from inbox.store.models import (
    Conversation,
    ListeningSource,
    Mention,
    MentionStream,
    Message,
    SpikeAlert,
    WebhookDelivery,
)
from tests.service.conftest import sio_client, wait_for
from tests.standins.mail import SmtpSink
from tests.standins.search import (
    BlueskySearchStandIn,
    Corpus,
    MastodonSearchStandIn,
    RedditSearchStandIn,
    XSearchStandIn,
)

QUERY = {
    "keywords": ["acme", "退款", "อร่อย"],
    "hashtags": ["acmefail"],
    "phrases": ["acme phone"],
    "exclusions": ["job", "hiring"],
    "languages": ["en", "zh", "th"],
}


def _world(corpus: Corpus) -> dict[str, list[Any]]:
    """Posts that match the stream and posts that must never be stored, with their texts."""
    good = [
        corpus.add("My Acme phone died again, terrible battery", author="rita"),
        corpus.add("Loving the new acme earbuds!", author="sam"),
        corpus.add("这家店的退款太慢了", author="li", lang="zh"),
        corpus.add("ร้านนี้อร่อยมาก แนะนำเลย", author="nok", lang="th"),
        corpus.add("Worst support ever #acmefail", author="kim", hashtags=("acmefail",)),
    ]
    good += [corpus.add(f"acme update number {i} is out", author=f"fan{i}") for i in range(14)]
    bad = [
        corpus.add("Visiting acmeville this weekend", author="tom"),  # not the whole word
        corpus.add("Acme is hiring, apply now", author="hr"),  # excluded
        corpus.add("acme job fair in town", author="hr2"),  # excluded
        corpus.add("acme est vraiment super", author="jean", lang="fr"),  # language not wanted
    ]
    return {"good": good, "bad": bad}


def _stored(inbox: Any, stream_id: int) -> list[str]:
    with inbox.read() as s:
        return list(
            s.scalars(
                select(Mention.text)
                .join(MentionStream, MentionStream.mention_id == Mention.id)
                .where(MentionStream.stream_id == stream_id)
            )
        )


def _create(client: Any, auth: dict, **body: Any) -> dict[str, Any]:
    res = client.post(
        "/api/listening/streams", json={"name": "Acme", "tag": "brand", "query": QUERY, **body}, headers=auth
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


NETWORKS = ["x", "mastodon", "bluesky", "reddit"]


@pytest.mark.parametrize("network", NETWORKS)
def test_each_stream_stores_every_match_once_across_polls_and_a_429(
    network: str, client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    sup = world.agent("supervisor")
    now = lambda: clock().timestamp()  # noqa: E731 - the stand-ins and the clients share the test clock
    corpus = Corpus(now)
    cls = {
        "x": XSearchStandIn,
        "mastodon": MastodonSearchStandIn,
        "bluesky": BlueskySearchStandIn,
        "reddit": RedditSearchStandIn,
    }[network]
    with cls(clock=now, corpus=corpus) as api:
        if network == "x":
            create_channel(
                inbox,
                None,
                "x",
                "X",
                {"user_id": "1", "base_url": api.base_url},
                {"bearer_token": "x-token"},
                world.team_id(),
            )
        if network == "mastodon":
            create_channel(
                inbox,
                None,
                "mastodon",
                "Masto",
                {"base_url": api.base_url},
                {"access_token": "mastodon-token"},
                world.team_id(),
            )
        posts = _world(corpus)
        page = 10 if network == "x" else 5
        stream = _create(
            client,
            sup["auth"],
            networks=[network],
            settings={network: {"base_url": api.base_url, "page_size": page}},
        )
        # the second search call of the first poll is refused with the network's 429
        api.rate_limit_next(reset_in=120, after=1)
        first = polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        assert any(r.status == "rate_limited" for r in first), first
        blocked = polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        assert all(not r.ran or r.status != "ok" for r in blocked if r.status == "rate_limited")
        clock.advance(seconds=200)
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)  # nothing new: nothing stored
        late = [
            corpus.add("acme phone case arrived broken", author="zed"),
            corpus.add("acme hiring again", author="hr3"),
        ]
        clock.advance(seconds=400)
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        stored = _stored(inbox, stream["id"])
        expected = [p.text for p in posts["good"]] + [late[0].text]
        assert Counter(stored) == Counter(expected), (sorted(stored), sorted(expected))
        assert not {p.text for p in posts["bad"]} & set(stored)
        assert late[1].text not in stored
        # each source counts what it stored once (its store and the shared runner must not both add)
        with inbox.read() as s:
            counted = s.scalar(
                select(func.sum(ListeningSource.items_stored)).where(
                    ListeningSource.stream_id == stream["id"]
                )
            )
        assert counted == len(stored)
        # a source another scheduler holds is left alone, as a channel is
        source_id = first[0].source_id
        assert poll_runner.claim(inbox, ListeningSource, source_id)
        assert polling.poll_source(inbox, source_id, force=True, clock=now).status == "busy"
        poll_runner.release(inbox, ListeningSource, source_id)


def test_a_post_found_by_two_streams_is_stored_once_and_counted_for_both(
    client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    sup = world.agent("supervisor")
    a = _create(client, sup["auth"], networks=[])
    b = _create(
        client, sup["auth"], name="Phones", tag="product", networks=[], query={"phrases": ["acme phone"]}
    )
    post = _msg("p1", "My acme phone is great")
    assert store_found(inbox, a["id"], [post]).stored == 1
    assert store_found(inbox, b["id"], [post]).stored == 1
    assert store_found(inbox, b["id"], [post]).stored == 0
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Mention)) == 1
        assert s.scalar(select(func.count()).select_from(MentionStream)) == 2


def _msg(
    ext: str, text: str, author: str = "rita", followers: int = 10, minutes_ago: float = 0, clock: Any = None
) -> InboundMessage:
    from datetime import UTC, datetime

    at = (clock() if clock else datetime.now(UTC)) - timedelta(minutes=minutes_ago)
    return InboundMessage(
        channel="x",
        external_id=ext,
        thread_key=ext,
        author=Author(
            external_id=f"id-{author}", handle=author, display_name=author.title(), followers=followers
        ),
        text=text,
        created_at=at,
        url=f"https://x.com/{author}/status/{ext}",
    )


def test_promoting_a_mention_makes_a_conversation_with_the_authors_whole_history(
    client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    sup = world.agent("supervisor")
    stream = _create(client, sup["auth"], networks=[])
    history = [
        _msg("h1", "acme order was late", minutes_ago=300, clock=clock),
        _msg("h2", "still waiting on acme", minutes_ago=200, clock=clock),
        _msg("h3", "acme never answers, I want a refund", minutes_ago=100, clock=clock),
    ]
    other = _msg("o1", "acme is fine", author="sam", clock=clock)
    store_found(inbox, stream["id"], [*history, other])
    feed = client.get("/api/listening/mentions", headers=sup["auth"]).get_json()["mentions"]
    newest = next(m for m in feed if m["external_id"] == "h3")
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 0  # mentions are not work
    res = client.post(f"/api/listening/mentions/{newest['id']}/promote", headers=sup["auth"])
    assert res.status_code == 200, res.get_json()
    conv_id = res.get_json()["conversation_id"]
    with inbox.read() as s:
        texts = list(
            s.scalars(
                select(Message.text).where(Message.conversation_id == conv_id).order_by(Message.created_at)
            )
        )
        assert texts == [m.text for m in history]
        assert s.scalar(select(func.count()).select_from(Conversation)) == 1
    again = client.post(f"/api/listening/mentions/{newest['id']}/promote", headers=sup["auth"]).get_json()
    assert again["conversation_id"] == conv_id and again["created"] is False
    conv = client.get(f"/api/conversations/{conv_id}", headers=sup["auth"])
    assert conv.status_code == 200
    agent = world.agent("agent")
    assert (
        client.post(f"/api/listening/mentions/{newest['id']}/promote", headers=agent["auth"]).status_code
        == 403
    )


def test_a_rule_promotes_negative_mentions_from_big_accounts(
    client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    sup = world.agent("supervisor")
    rule = {
        "name": "Angry big accounts become work",
        "trigger": "mention.created",
        "conditions": [
            {"field": "message.sentiment_label", "op": "equals", "value": "negative"},
            {"field": "author.followers", "op": "gt", "value": 10000},
        ],
        "actions": [{"type": "promote"}],
    }
    res = client.post("/api/rules", json=rule, headers=sup["auth"])
    assert res.status_code == 201, res.get_json()
    stream = _create(client, sup["auth"], networks=[])
    posts = [
        _msg(
            "big-neg",
            "acme is terrible, awful service, I hate it",
            author="star",
            followers=250_000,
            clock=clock,
        ),
        _msg(
            "small-neg",
            "acme is terrible, awful service, I hate it",
            author="nobody",
            followers=40,
            clock=clock,
        ),
        _msg(
            "big-pos",
            "acme is wonderful, I love it, great service",
            author="celeb",
            followers=90_000,
            clock=clock,
        ),
    ]
    found = store_found(inbox, stream["id"], posts)
    promoted = promotion.promote_by_rules(inbox, found.mention_ids)
    with inbox.read() as s:
        rows = {m.external_id: m for m in s.scalars(select(Mention))}
    assert rows["big-neg"].sentiment_label == "negative" and rows["small-neg"].sentiment_label == "negative"
    assert promoted == [rows["big-neg"].id]
    assert rows["big-neg"].conversation_id is not None and rows["big-neg"].promoted_by.startswith("rule:")
    assert rows["small-neg"].conversation_id is None and rows["big-pos"].conversation_id is None


def test_summary_counts_equal_counts_made_from_the_feed(
    client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    sup = world.agent("supervisor")
    brand = _create(client, sup["auth"], networks=[], query={"keywords": ["acme"]})
    rival = _create(
        client, sup["auth"], name="Globex", tag="competitor", networks=[], query={"keywords": ["globex"]}
    )
    texts = ["{} is terrible and awful", "{} is great, I love it", "{} store opens at nine"]
    n = 0
    for day in range(5):
        for i in range(day + 2):
            for name, sid in (("acme", brand["id"]), ("globex", rival["id"])):
                if (i + day) % 3 == 0 and name == "globex":
                    continue
                n += 1
                store_found(
                    inbox,
                    sid,
                    [
                        _msg(
                            f"m{n}",
                            texts[(i + n) % 3].format(name),
                            author=f"a{n}",
                            minutes_ago=day * 1440 + i,
                            clock=clock,
                        )
                    ],
                )
    both = _msg("both", "acme versus globex: globex wins", author="judge", clock=clock)
    store_found(inbox, brand["id"], [both])
    store_found(inbox, rival["id"], [both])
    since, until = (clock() - timedelta(days=10)).isoformat(), (clock() + timedelta(days=1)).isoformat()
    res = client.get(
        "/api/listening/summary", query_string={"since": since, "until": until}, headers=sup["auth"]
    )
    assert res.status_code == 200, res.get_json()
    got = res.get_json()
    # independently: every mention in the feed, per stream it lists, counted here
    per: Counter = Counter()
    per_day: Counter = Counter()
    before = None
    while True:
        q = {"limit": 50, **({"before": before} if before else {})}
        page = client.get("/api/listening/mentions", query_string=q, headers=sup["auth"]).get_json()
        for m in page["mentions"]:
            for sid in m["streams"]:
                per[(sid, m["sentiment_label"])] += 1
                per[(sid, "all")] += 1
                per_day[(sid, m["created_at"][:10], "all")] += 1
                per_day[(sid, m["created_at"][:10], "negative")] += m["sentiment_label"] == "negative"
        before = page["next_before"]
        if not before:
            break
    for st in got["streams"]:
        assert st["mentions"] == per[(st["id"], "all")] > 0
        for label in ("positive", "neutral", "negative"):
            assert st[label] == per[(st["id"], label)]
    assert {(r["stream_id"], r["bucket"]): (r["mentions"], r["negative"]) for r in got["series"]} == {
        (sid, day): (n, per_day[(sid, day, "negative")])
        for (sid, day, kind), n in per_day.items()
        if kind == "all"
    }
    total = sum(s["mentions"] for s in got["streams"] if s["tag"] in ("brand", "competitor"))
    share = {s["id"]: s["mentions"] / total for s in got["streams"]}
    assert abs(sum(share.values()) - 1) < 1e-9
    assert (
        client.get(
            "/api/listening/summary", query_string={"since": until, "until": since}, headers=sup["auth"]
        ).status_code
        == 400
    )
    assert (
        client.get(
            "/api/listening/summary", query_string={"since": "yesterday"}, headers=sup["auth"]
        ).status_code
        == 400
    )


def test_a_spike_in_negative_mentions_raises_one_alert_with_a_readable_sentence(
    client: Any, world: Any, inbox: Any, clock: Any, app: Any
) -> None:
    sup = world.agent("supervisor")
    hook = client.post(
        "/api/webhooks",
        json={"name": "pager", "url": "https://hooks.example.com/murmur", "events": ["alert.spike"]},
        headers=sup["auth"],
    )
    assert hook.status_code == 201, hook.get_json()
    stream = _create(
        client,
        sup["auth"],
        networks=[],
        name="Acme brand",
        alerts={"volume": True, "negative_share": 0.5, "keyword": "worst"},
    )
    live = sio_client(app, sup["token"])
    step = 300
    start = clock.advance(seconds=step - clock().timestamp() % step)  # at a bucket boundary
    for n in range(1, 11):  # a quiet stretch: one ordinary mention per five minutes
        store_found(
            inbox, stream["id"], [_msg(f"q{n}", "acme store opens at nine", author=f"q{n}", clock=clock)]
        )
        clock.advance(seconds=step)
    burst = [
        _msg(f"b{i}", "acme is terrible, awful, the worst, I hate it", author=f"b{i}", clock=clock)
        for i in range(15)
    ]
    store_found(inbox, stream["id"], burst)
    clock.advance(seconds=step)
    assert start < clock()
    with SmtpSink() as sink:  # SMTP configured: the alert is mailed to supervisors too
        inbox.settings["smtp"] = Smtp("127.0.0.1", sink.port)
        created = alerts.check_stream(inbox, stream["id"])
    assert len(created) >= 1
    assert len(sink.messages) == len(created)
    mailed = [message_from_bytes(m.content, policy=default).get_content() for m in sink.messages]
    assert sup["email"] in sink.messages[0].rcpt_tos
    again = alerts.check_stream(inbox, stream["id"])
    assert again == []  # one alert per episode, each bucket observed once
    with inbox.read() as s:
        negative = s.get(
            SpikeAlert, next(a for a in created if s.get(SpikeAlert, a).series.endswith(":negative"))
        )
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) >= 1
    assert negative.count == 15
    sentence = negative.reason
    assert any(sentence in body for body in mailed)
    assert sentence.startswith("Negative mentions on Acme brand are ")
    assert "x the usual rate (15 in 5 minutes, usually " in sentence
    event = wait_for(live, "alert.spike", where=lambda p: p.get("series", "").endswith(":negative"))
    assert event["sentence"] == sentence and event["stream_id"] == stream["id"]
    assert event["link"].startswith(f"/listening?stream={stream['id']}&since=")
    assert len(event["mention_ids"]) == 15
    with inbox.read() as s:
        said = {a.series.rsplit(":", 1)[1]: a.reason for a in s.scalars(select(SpikeAlert))}
    assert set(said) == {"negative", "volume", "keyword", "negative_share"}
    assert (
        said["volume"].startswith("Mentions on Acme brand are ")
        and "(15 in 5 minutes, usually " in said["volume"]
    )
    assert said["keyword"].startswith("Mentions of “worst” on Acme brand are ")
    assert said["negative_share"] == "100% of mentions on Acme brand are negative (15 of 15 in 5 minutes)"


def test_bad_input_is_a_400_naming_the_field(client: Any, world: Any) -> None:
    sup = world.agent("supervisor")
    cases = [
        ({"name": "x", "query": {"keywords": []}}, "query.keywords"),
        ({"name": "x", "query": {"keywords": ["a"], "languages": ["english!"]}}, "query.languages"),
        ({"name": "", "query": {"keywords": ["a"]}}, "name"),
        ({"name": "x", "tag": "rival", "query": {"keywords": ["a"]}}, "tag"),
        ({"name": "x", "query": {"keywords": ["a"]}, "feeds": ["ftp://nope"]}, "feeds"),
    ]
    for body, field in cases:
        res = client.post("/api/listening/streams", json=body, headers=sup["auth"])
        assert res.status_code == 400, (body, res.get_json())
        assert res.get_json()["error"]["field"].startswith(field), (body, res.get_json())
    agent = world.agent("agent")
    assert client.get("/api/listening/streams", headers=agent["auth"]).status_code == 403


def test_a_review_feed_keeps_only_the_entries_the_stream_matches(
    client: Any, world: Any, inbox: Any, clock: Any
) -> None:
    from tests.standins.rss import FeedStandIn

    sup = world.agent("supervisor")
    now = lambda: clock().timestamp()  # noqa: E731
    with FeedStandIn(clock=now) as feed:
        for i, title in enumerate(
            ["Acme blender: broke in a week", "Globex kettle is fine", "Acme is hiring testers"]
        ):
            feed.entries.append(
                {
                    "id": f"tag:r,{i}",
                    "title": title,
                    "link": f"https://r.example/{i}",
                    "summary": "<p>review</p>",
                    "when": now() - 60 + i,
                    "author": "Rev",
                }
            )
        stream = _create(
            client,
            sup["auth"],
            networks=[],
            feeds=[feed.url],
            query={"keywords": ["acme"], "exclusions": ["hiring"]},
        )
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        feed.entries.append(
            {
                "id": "tag:r,9",
                "title": "Acme toaster is great",
                "link": "https://r.example/9",
                "summary": "<p>ok</p>",
                "when": now() + 5,
                "author": "Rev",
            }
        )
        clock.advance(seconds=400)
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)
        polling.poll_stream(inbox, stream["id"], force=True, clock=now)  # 304: nothing new
    stored = sorted(t.split("\n")[0] for t in _stored(inbox, stream["id"]))
    assert stored == ["Acme blender: broke in a week", "Acme toaster is great"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_demo_streams_have_90_days_in_three_languages_and_one_spike(
    client: Any, world: Any, inbox: Any, clock: Any, backend: str
) -> None:
    from inbox.listening.demo import SPIKE_DAYS_AGO, seed_listening_demo

    sup = world.agent("supervisor")
    first = seed_listening_demo(inbox, clock())
    assert first["created"] and seed_listening_demo(inbox, clock()) == {"created": False}
    since, until = (clock() - timedelta(days=91)).isoformat(), clock().isoformat()
    got = client.get(
        "/api/listening/summary", query_string={"since": since, "until": until}, headers=sup["auth"]
    ).get_json()
    assert {s["tag"] for s in got["streams"]} == {"brand", "competitor"}
    brand = next(s for s in got["streams"] if s["tag"] == "brand")
    days = {r["bucket"]: r for r in got["series"] if r["stream_id"] == brand["id"]}
    assert len(days) >= 88
    spike_day = (clock() - timedelta(days=SPIKE_DAYS_AGO)).date().isoformat()
    usual = (brand["mentions"] - days[spike_day]["mentions"]) / (len(days) - 1)
    assert (
        days[spike_day]["mentions"] > 3 * usual
        and days[spike_day]["negative"] > days[spike_day]["mentions"] / 2
    )
    with inbox.read() as s:
        assert set(s.scalars(select(Mention.language).distinct())) == {"en", "zh", "th"}
