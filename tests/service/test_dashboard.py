"""Dashboard figures against hand-computed expectations on a fixed data set, drill-down, CSV, access."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.store.models import ChannelAccount, Conversation, Customer, Identity, Message, SurveyResponse

T = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
RANGE = "from=2024-03-04&to=2024-03-08&bucket=day"


def h(day: int, hour: int, minute: int = 0) -> datetime:
    return T + timedelta(days=day, hours=hour, minutes=minute)


# who: (channel kind, followers)
AUTHORS = {
    "alice": ("mastodon", 5000),
    "bob": ("mastodon", 100),
    "carol": ("webhook", 10),
    "dave": ("mastodon", 0),
    "erin": ("webhook", 2000),
}
# (key, author, sentiment, label, language, text, created)
MESSAGES = [
    ("m1", "alice", 0.8, "positive", "en", "Love the new app design", h(0, 9)),
    ("m2", "bob", -0.6, "negative", "en", "The app crashes on login", h(0, 11)),
    ("m3", "carol", 0.0, "neutral", "fr", "Bonjour, une question sur la livraison", h(1, 8)),
    ("m4", "bob", -0.9, "negative", "en", "Worst support ever, still crashing", h(1, 15)),
    ("m5", "dave", -0.4, "negative", "en", "My refund is delayed again", h(3, 9)),
    ("m6", "erin", -0.7, "negative", "en", "Still no refund after two weeks", h(3, 10)),
    ("m7", "alice", 0.5, "positive", "en", "Refund arrived, thank you", h(3, 16)),
]
# conversation facts per author: created, first response, first due, resolved, resolution due
CONVS = {
    "alice": (h(0, 10), h(0, 10, 30), h(0, 11), h(0, 12), h(1, 10)),
    "bob": (h(0, 11), h(0, 13), h(0, 12), None, h(1, 11)),
    "carol": (h(1, 8), h(1, 8, 10), None, None, None),
    "dave": (h(3, 9), None, h(7, 0), None, None),
    "erin": (h(3, 10), h(3, 10, 10), h(3, 11), h(3, 11), h(3, 10, 30)),
}


@pytest.fixture
def data(inbox, world, clock) -> dict[str, Any]:
    clock.now_value = h(6, 12)
    sup = world.agent("supervisor", teams=())
    agent_a, agent_b = world.agent(), world.agent()
    ids: dict[str, Any] = {"supervisor": sup, "agent": agent_a, "agent_b": agent_b}
    with inbox.unit_of_work() as uow:
        s = uow.session
        accounts = {kind: ChannelAccount(kind=kind, name=kind) for kind in ("mastodon", "webhook")}
        s.add_all(accounts.values())
        s.flush()
        convs, idents = {}, {}
        for name, (kind, followers) in AUTHORS.items():
            cust = Customer(name=name)
            s.add(cust)
            s.flush()
            ident = Identity(
                customer_id=cust.id, channel=kind, external_id=name, handle=name, followers=followers
            )
            created, first, first_due, resolved, res_due = CONVS[name]
            conv = Conversation(
                customer_id=cust.id,
                channel_account_id=accounts[kind].id,
                channel=kind,
                thread_key=name,
                created_at=created,
                first_response_at=first,
                first_response_due_at=first_due,
                resolved_at=resolved,
                resolution_due_at=res_due,
                language="fr" if name == "carol" else "en",
                status="resolved" if resolved else "open",
            )
            s.add_all([ident, conv])
            s.flush()
            convs[name], idents[name] = conv, ident
        for key, author, score, label, lang, text, created in MESSAGES:
            conv = convs[author]
            m = Message(
                conversation_id=conv.id,
                channel_account_id=conv.channel_account_id,
                customer_id=conv.customer_id,
                direction="in",
                external_id=key,
                author_identity_id=idents[author].id,
                text=text,
                language=lang,
                sentiment=score,
                sentiment_label=label,
                created_at=created,
            )
            s.add(m)
            s.flush()
            ids[key] = m.id
        # Ignored by every figure: a reply, a note, and a message after the range.
        bob = convs["bob"]
        s.add_all(
            [
                Message(
                    conversation_id=bob.id,
                    channel_account_id=bob.channel_account_id,
                    direction="out",
                    text="Sorry about that refund",
                    sentiment=-0.5,
                    sentiment_label="negative",
                    created_at=h(0, 13),
                ),
                Message(
                    conversation_id=bob.id,
                    channel_account_id=bob.channel_account_id,
                    direction="note",
                    text="refund refund refund",
                    created_at=h(3, 13),
                ),
                Message(
                    conversation_id=bob.id,
                    channel_account_id=bob.channel_account_id,
                    direction="in",
                    external_id="late",
                    author_identity_id=idents["bob"].id,
                    text="refund please",
                    sentiment=-0.8,
                    sentiment_label="negative",
                    created_at=h(5, 9),
                ),
            ]
        )
        answers = [
            ("alice", "csat", 5, agent_a, h(0, 13)),
            ("bob", "nps", 3, agent_b, h(1, 9)),
            ("erin", "csat", 2, agent_a, h(3, 12)),
            ("erin", "nps", 10, agent_a, h(3, 12)),
        ]
        for i, (who, kind, rating, agent, when) in enumerate(answers):
            c = convs[who]
            s.add(
                SurveyResponse(
                    conversation_id=c.id,
                    customer_id=c.customer_id,
                    agent_id=agent["id"],
                    kind=kind,
                    token=f"tok{i}",
                    rating=rating,
                    sent_at=when,
                    answered_at=when,
                )
            )
        c = convs["dave"]
        s.add(
            SurveyResponse(conversation_id=c.id, customer_id=c.customer_id, kind="csat", token="unanswered")
        )
        ids["conv"] = {k: v.id for k, v in convs.items()}
        ids["ident"] = {k: v.id for k, v in idents.items()}
    return ids


def get(client, data, query: str) -> Any:
    resp = client.get(f"/api/dashboard?{query}", headers=data["supervisor"]["auth"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def drill(client, data, params: dict[str, Any]) -> list[int]:
    resp = client.get("/api/dashboard/messages", query_string=params, headers=data["supervisor"]["auth"])
    assert resp.status_code == 200, resp.get_json()
    return sorted(m["id"] for m in resp.get_json()["messages"])


def ids_of(data, *keys: str) -> list[int]:
    return sorted(data[k] for k in keys)


def test_totals_shares_and_net_sentiment(client, data):
    d = get(client, data, RANGE)
    t = d["totals"]
    assert (t["total"], t["positive"], t["neutral"], t["negative"]) == (7, 2, 1, 4)
    assert t["percent"] == {"positive": 28.6, "neutral": 14.3, "negative": 57.1}
    assert t["net_sentiment"] == -28.6  # (2 - 4) / 7
    assert drill(client, data, t["drill_by_label"]["negative"]) == ids_of(data, "m2", "m4", "m5", "m6")


def test_volume_per_day_with_empty_buckets_and_drill(client, data):
    vol = get(client, data, RANGE)["volume"]
    assert [v["bucket"][:10] for v in vol] == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"]
    assert [(v["total"], v["positive"], v["neutral"], v["negative"]) for v in vol] == [
        (2, 1, 0, 1),
        (2, 0, 1, 1),
        (0, 0, 0, 0),
        (3, 1, 0, 2),
    ]
    assert [v["net_sentiment"] for v in vol] == [0.0, -50.0, None, -33.3]
    assert drill(client, data, vol[0]["drill"]) == ids_of(data, "m1", "m2")
    assert drill(client, data, vol[3]["drill_by_label"]["negative"]) == ids_of(data, "m5", "m6")


def test_week_and_hour_buckets(client, data):
    week = get(client, data, "from=2024-03-04&to=2024-03-11&bucket=week")["volume"]
    assert [(v["bucket"][:10], v["total"]) for v in week] == [
        ("2024-03-04", 8)
    ]  # the late one is in this week
    hours = get(client, data, "from=2024-03-04T08:00&to=2024-03-04T12:00&bucket=hour")["volume"]
    assert [v["total"] for v in hours] == [0, 1, 0, 1]


def test_channel_and_language_filters(client, data):
    t = get(client, data, RANGE + "&channel=mastodon")["totals"]
    assert (t["total"], t["negative"], t["net_sentiment"]) == (5, 3, -20.0)
    t = get(client, data, RANGE + "&language=fr")["totals"]
    assert (t["total"], t["neutral"]) == (1, 1)


def test_top_messages_link_to_conversations(client, data):
    d = get(client, data, RANGE)
    assert [m["id"] for m in d["top_negative"]] == [data[k] for k in ("m4", "m6", "m2", "m5")]
    assert [m["id"] for m in d["top_positive"]] == [data["m1"], data["m7"]]
    assert d["top_negative"][0]["conversation_id"] == data["conv"]["bob"]
    assert drill(client, data, d["top_negative"][0]["drill"]) == [data["m4"]]


def test_influencers_by_reach_and_by_count(client, data):
    inf = get(client, data, RANGE)["influencers"]
    assert [a["handle"] for a in inf["by_reach"]] == ["alice", "erin", "bob", "carol", "dave"]
    assert [(a["handle"], a["messages"]) for a in inf["by_messages"]] == [
        ("alice", 2),
        ("bob", 2),
        ("erin", 1),
        ("carol", 1),
        ("dave", 1),
    ]
    assert drill(client, data, inf["by_reach"][0]["drill"]) == ids_of(data, "m1", "m7")


def test_rising_terms_recent_quarter_vs_rest(client, data):
    terms = get(client, data, RANGE)["rising_terms"]
    # recent = 2024-03-07 (last quarter): 3 texts all say refund; baseline 4 texts, none.
    # E = 3 * (0 + 1) / (4 + 1) = 0.6; ratio 5.0; score (3 - 0.6) / sqrt(0.6) = 3.10
    assert [
        (t["term"], t["recent"], t["baseline"], t["expected"], t["ratio"], t["score"]) for t in terms
    ] == [("refund", 3, 0, 0.6, 5.0, 3.1)]
    assert drill(client, data, terms[0]["drill"]) == ids_of(data, "m5", "m6", "m7")


def test_response_and_resolution_against_sla(client, data):
    sl = get(client, data, RANGE)["service_levels"]
    fr = sl["first_response"]
    assert sl["conversations"] == 5
    assert (fr["count"], fr["mean_seconds"], fr["median_seconds"]) == (4, 2550.0, 1200.0)
    assert (fr["met"], fr["breached"], fr["pending"], fr["no_sla"], fr["met_percent"]) == (2, 1, 1, 1, 66.7)
    res = sl["resolution"]
    assert (res["count"], res["mean_seconds"], res["median_seconds"]) == (2, 5400.0, 5400.0)
    assert (res["met"], res["breached"], res["pending"], res["no_sla"], res["met_percent"]) == (
        1,
        2,
        0,
        2,
        33.3,
    )
    assert drill(client, data, fr["drill"]["breached"]) == ids_of(data, "m2", "m4")
    assert drill(client, data, res["drill"]["breached"]) == ids_of(data, "m2", "m4", "m6")


def test_csat_and_nps_overall_over_time_and_per_agent(client, data):
    sv = get(client, data, RANGE)["surveys"]
    assert sv["overall"]["csat"] == {"responses": 2, "satisfied": 1, "score": 50.0, "mean": 3.5}
    assert sv["overall"]["nps"] == {
        "responses": 2,
        "promoters": 1,
        "passives": 0,
        "detractors": 1,
        "score": 0.0,
    }
    assert [(b["csat"]["score"], b["nps"]["score"]) for b in sv["over_time"]] == [
        (100.0, None),
        (None, -100.0),
        (None, None),
        (0.0, 100.0),
    ]
    by_agent = {r["key"]: r for r in sv["by_agent"]}
    a, b = by_agent[data["agent"]["id"]], by_agent[data["agent_b"]["id"]]
    assert (a["csat"]["score"], a["nps"]["score"], b["csat"]["score"], b["nps"]["score"]) == (
        50.0,
        100.0,
        None,
        -100.0,
    )
    assert [r["key"] for r in sv["by_channel"]] == ["mastodon", "webhook"]
    assert drill(client, data, sv["overall"]["drill"]["detractor"]) == ids_of(data, "m2", "m4", "m6")
    assert drill(client, data, b["drill"]) == ids_of(data, "m2", "m4")


def test_csv_export_of_table_views(client, data):
    resp = client.get(f"/api/dashboard?{RANGE}&format=csv&table=volume", headers=data["supervisor"]["auth"])
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["bucket"][:10], r["total"], r["negative"]) for r in rows] == [
        ("2024-03-04", "2", "1"),
        ("2024-03-05", "2", "1"),
        ("2024-03-06", "0", "0"),
        ("2024-03-07", "3", "2"),
    ]
    resp = client.get(
        f"/api/dashboard/messages?{RANGE}&sentiment=negative&format=csv", headers=data["supervisor"]["auth"]
    )
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert sorted(int(r["id"]) for r in rows) == ids_of(data, "m2", "m4", "m5", "m6")
    resp = client.get(f"/api/dashboard?{RANGE}&format=csv&table=nope", headers=data["supervisor"]["auth"])
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "table"


def test_agents_get_403_and_bad_input_400(client, data):
    agent = data["agent"]
    assert client.get(f"/api/dashboard?{RANGE}", headers=agent["auth"]).status_code == 403
    assert client.get("/api/dashboard/messages", headers=agent["auth"]).status_code == 403
    sup = data["supervisor"]["auth"]
    assert client.get("/api/dashboard?from=yesterday", headers=sup).get_json()["error"]["field"] == "from"
    assert (
        client.get("/api/dashboard?from=2024-01-01&to=2024-03-01&bucket=hour", headers=sup).status_code == 400
    )
    assert client.get("/api/dashboard").status_code == 401


def test_pages_render_figures_as_links_to_their_messages(client, data):
    sup = data["supervisor"]["auth"]
    page = client.get(f"/dashboard?{RANGE}", headers=sup)
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and 'id="chart-volume"' in html
        and 'src="/static/vendor/echarts.min.js"' in html
        and "script-src 'self'" in page.headers["Content-Security-Policy"]
    )
    # The charts are drawn from the same figures the API answers, carried inert in the page.
    blob = html.split('<script type="application/json" id="dash-data">', 1)[1].split("</script>", 1)[0]
    api = client.get(f"/api/dashboard?{RANGE}", headers=sup).get_json()
    assert json.loads(blob)["volume"] == api["volume"]
    # Filters are pickers of the values that exist, not free text.
    assert '<select name="channel"' in html and '<option value="mastodon"' in html
    assert '<option value="fr"' in html and '<input name="channel"' not in html
    assert (
        "/dashboard/messages?from=2024-03-04" in html
        and "sentiment=negative" in html
        and "term=refund" in html
    )
    assert 'src="/static/js/dashboard.js"' in html and "<script>" not in html
    fragment = client.get(f"/dashboard/figures?{RANGE}", headers=sup).get_data(as_text=True)
    assert "<html" not in fragment and "Rising terms" in fragment
    drill_page = client.get(f"/dashboard/messages?{RANGE}&sentiment=negative", headers=sup).get_data(
        as_text=True
    )
    assert drill_page.count('class="drill-row"') == 4 and "Worst support ever" in drill_page
    assert client.get("/winback", headers=sup).status_code == 200
    assert client.get("/dashboard", headers=data["agent"]["auth"]).status_code == 403


def test_influencers_follow_the_channel_and_language_filters(client, data):
    inf = get(client, data, RANGE + "&channel=mastodon")["influencers"]
    assert [(a["handle"], a["messages"]) for a in inf["by_messages"]] == [
        ("alice", 2),
        ("bob", 2),
        ("dave", 1),
    ]
    assert [a["handle"] for a in inf["by_reach"]] == ["alice", "bob", "dave"]
    inf = get(client, data, RANGE + "&language=fr")["influencers"]
    assert [(a["handle"], a["messages"]) for a in inf["by_messages"]] == [("carol", 1)]
    assert [a["handle"] for a in inf["by_reach"]] == ["carol"]
