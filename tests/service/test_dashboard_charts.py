"""The dashboard's chart endpoints against counts made independently here, from the seeded rows.

A seeded random set of inbound messages (channels, languages, labels, sentiment, times over ten
days, some on ragged hours) is written with the ORM, so the rollup triggers see it; half of it is
folded before reading, so the series are counted from rollups, pending rows and raw edges at once.
Every series point and total must equal a plain recount of the Python list, and each drill must
list exactly the messages it counts.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.insights import rollups
from inbox.store.models import ChannelAccount, Conversation, ConversationLabel, Customer, Message

T = datetime(2024, 5, 6, tzinfo=UTC)  # a Monday
CHANNELS = ("mastodon", "x", "telegram")
LANGS = ("en", "zh-Hans", "th")
LABELS = ("shipping", "battery", "billing")
SENT = (("positive", 0.6), ("neutral", 0.0), ("negative", -0.7))


@pytest.fixture
def seeded(inbox, world, clock) -> dict[str, Any]:
    clock.now_value = T + timedelta(days=12)
    rng = random.Random(1906)
    sup = world.agent("supervisor", teams=())
    rows: list[dict[str, Any]] = []
    with inbox.unit_of_work() as uow:
        s = uow.session
        accounts = {k: ChannelAccount(kind=k, name=k) for k in CHANNELS}
        s.add_all(accounts.values())
        s.flush()
        for i in range(24):  # 24 conversations, each with 0-2 labels and 1-5 messages
            channel = CHANNELS[i % 3]
            cust = Customer(name=f"c{i}")
            s.add(cust)
            s.flush()
            conv = Conversation(
                customer_id=cust.id,
                channel_account_id=accounts[channel].id,
                channel=channel,
                thread_key=f"t{i}",
                created_at=T,
            )
            s.add(conv)
            s.flush()
            labels = rng.sample(LABELS, rng.randint(0, 2))
            s.add_all(ConversationLabel(conversation_id=conv.id, label=lb) for lb in labels)
            for j in range(rng.randint(1, 5)):
                label, score = rng.choice(SENT)
                at = T + timedelta(
                    days=rng.randint(0, 9), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
                )
                lang = rng.choice(LANGS)
                m = Message(
                    conversation_id=conv.id,
                    channel_account_id=conv.channel_account_id,
                    customer_id=cust.id,
                    direction="in",
                    external_id=f"m{i}-{j}",
                    text=f"message {i} {j}",
                    language=lang,
                    sentiment=score,
                    sentiment_label=label,
                    created_at=at,
                )
                s.add(m)
                s.flush()
                rows.append(
                    {
                        "id": m.id,
                        "channel": channel,
                        "language": lang,
                        "labels": labels,
                        "sentiment": label,
                        "at": at,
                    }
                )
        # A reply: the brand speaking, counted nowhere.
        s.add(
            Message(
                conversation_id=conv.id,
                channel_account_id=conv.channel_account_id,
                direction="out",
                text="reply",
                sentiment=-0.9,
                sentiment_label="negative",
                created_at=T + timedelta(days=1),
            )
        )
    # Fold what is pending now; rows written after this stay pending (both paths are read).
    rollups.fold(inbox)
    return {"sup": sup, "rows": rows}


# A range with ragged ends (not on an hour or a day), so edges are read from the messages.
RANGE = {"from": "2024-05-06T05:30:00Z", "to": "2024-05-15T17:45:00Z", "bucket": "day"}


def _in_range(r: dict[str, Any]) -> bool:
    return datetime(2024, 5, 6, 5, 30, tzinfo=UTC) <= r["at"] < datetime(2024, 5, 15, 17, 45, tzinfo=UTC)


def _keys(r: dict[str, Any], by: str) -> list[str]:
    return r["labels"] if by == "label" else [r[by]]


def _series(client, seeded, by: str, **extra: str) -> dict[str, Any]:
    resp = client.get(
        "/api/dashboard/series", query_string={**RANGE, "by": by, **extra}, headers=seeded["sup"]["auth"]
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("by", ["channel", "language", "label"])
def test_series_equal_a_recount_per_value_and_day(client, seeded, by):
    got = _series(client, seeded, by)
    want_total: Counter[str] = Counter()
    want_day: Counter[tuple[str, str]] = Counter()
    want_label: Counter[tuple[str, str]] = Counter()
    for r in filter(_in_range, seeded["rows"]):
        for k in _keys(r, by):
            want_total[k] += 1
            want_day[(k, r["at"].date().isoformat())] += 1
            want_label[(k, r["sentiment"])] += 1
    assert {x["key"]: x["total"] for x in got["series"]} == dict(want_total)
    days = [b[:10] for b in got["buckets"]]
    assert days[0] == "2024-05-06" and days[-1] == "2024-05-15" and len(days) == 10
    for x in got["series"]:
        assert x["volume"] == [want_day[(x["key"], d)] for d in days]
        for label in ("positive", "neutral", "negative"):
            assert x[label] == want_label[(x["key"], label)]
        pos, neg = want_label[(x["key"], "positive")], want_label[(x["key"], "negative")]
        assert x["net_sentiment"] == round(100.0 * (pos - neg) / want_total[x["key"]], 1)
    # Largest first.
    assert [x["total"] for x in got["series"]] == sorted((x["total"] for x in got["series"]), reverse=True)


def test_a_series_point_drills_to_exactly_its_messages(client, seeded):
    got = _series(client, seeded, "label")
    x = got["series"][0]
    i = max(range(len(got["buckets"])), key=lambda k: x["volume"][k])
    params = {**x["drill"], "from": got["buckets"][i], "to": got["bucket_ends"][i], "limit": 500}
    resp = client.get("/api/dashboard/messages", query_string=params, headers=seeded["sup"]["auth"])
    listed = sorted(m["id"] for m in resp.get_json()["messages"])
    lo = datetime.fromisoformat(got["buckets"][i])
    hi = datetime.fromisoformat(got["bucket_ends"][i])
    want = sorted(r["id"] for r in seeded["rows"] if x["key"] in r["labels"] and lo <= r["at"] < hi)
    assert listed == want and len(want) == x["volume"][i] > 0


def test_series_follow_the_channel_filter_and_hourly_buckets(client, seeded):
    got = _series(
        client,
        seeded,
        "language",
        channel="x",
        **{"from": "2024-05-07", "to": "2024-05-09", "bucket": "hour"},
    )
    assert len(got["buckets"]) == 48
    lo, hi = datetime(2024, 5, 7, tzinfo=UTC), datetime(2024, 5, 9, tzinfo=UTC)
    want: Counter[str] = Counter(
        r["language"] for r in seeded["rows"] if r["channel"] == "x" and lo <= r["at"] < hi
    )
    assert {x["key"]: x["total"] for x in got["series"]} == dict(want)
    assert all(sum(x["volume"]) == x["total"] for x in got["series"])


def test_pickers_offer_exactly_the_values_that_were_counted(client, seeded):
    resp = client.get("/api/dashboard/options", headers=seeded["sup"]["auth"])
    opts = resp.get_json()
    rows = seeded["rows"]
    assert opts["channels"] == sorted({r["channel"] for r in rows})
    assert opts["languages"] == sorted({r["language"] for r in rows})
    assert set(opts["labels"]) >= {lb for r in rows for lb in r["labels"]}


def test_series_csv_and_access(client, seeded, world):
    resp = client.get(
        "/api/dashboard/series",
        query_string={**RANGE, "by": "channel", "format": "csv"},
        headers=seeded["sup"]["auth"],
    )
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    lines = resp.get_data(as_text=True).splitlines()
    assert lines[0] == "bucket,channel,messages,net_sentiment" and len(lines) == 1 + 10 * len(CHANNELS)
    agent = world.agent()
    for path in ("/api/dashboard/series", "/api/dashboard/options", "/api/dashboard/terms"):
        assert client.get(path, headers=agent["auth"]).status_code == 403
    bad = client.get("/api/dashboard/series?by=stream", headers=seeded["sup"]["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "by"


def test_rising_terms_are_listed_per_language_in_words(client, inbox, world, clock):
    """Chinese and Thai rising terms are words (segmented), each language in its own list."""
    clock.now_value = T + timedelta(days=8)
    sup = world.agent("supervisor", teams=())
    with inbox.unit_of_work() as uow:
        s = uow.session
        acc = ChannelAccount(kind="x", name="x")
        s.add(acc)
        s.flush()
        cust = Customer(name="c")
        s.add(cust)
        s.flush()
        conv = Conversation(
            customer_id=cust.id, channel_account_id=acc.id, channel="x", thread_key="t", created_at=T
        )
        s.add(conv)
        s.flush()
        texts = [("zh-Hans", "耳机音质很好", d) for d in range(6)] + [
            ("th", "หูฟังเสียงดีมาก", d) for d in range(6)
        ]
        texts += [("zh-Hans", "电池发烫鼓包", 7)] * 4 + [("th", "แบตบวมร้อนมาก", 7)] * 4
        for n, (lang, text, day) in enumerate(texts):
            s.add(
                Message(
                    conversation_id=conv.id,
                    channel_account_id=acc.id,
                    customer_id=cust.id,
                    direction="in",
                    external_id=f"r{n}",
                    text=text,
                    language=lang,
                    created_at=T + timedelta(days=day, hours=10),
                )
            )
    resp = client.get(
        "/api/dashboard/terms", query_string={"from": "2024-05-06", "to": "2024-05-14"}, headers=sup["auth"]
    )
    langs = {x["language"]: [t["term"] for t in x["terms"]] for x in resp.get_json()["languages"]}
    assert set(langs) == {"zh-Hans", "th"}
    assert {"电池", "发烫", "鼓包"} <= set(langs["zh-Hans"]) and "池发" not in langs["zh-Hans"]
    assert {"แบต", "บวม"} <= set(langs["th"]) and not set(langs["th"]) & set(langs["zh-Hans"])
