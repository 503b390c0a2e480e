"""Reports per agent and per team against figures computed here, independently, from a seeded
data set: medians, p90s, counts, CSAT and NPS; periods in the viewer's time zone; drill-downs
that list exactly the conversations a figure counted; CSV; access and bad input."""

from __future__ import annotations

import csv
import io
import math
import random
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.store.models import ChannelAccount, Conversation, Customer, SurveyResponse, Team
from tests.service.conftest import message

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday; the period is the week of March 3 (UTC)
WEEK = "preset=custom&from=2025-03-03&to=2025-03-09&tz=UTC"


def p90(values: list[float]) -> float:
    """Nearest rank: the ceil(0.9 n)-th smallest."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


@pytest.fixture
def seeded(inbox, world, clock) -> dict[str, Any]:
    """80 conversations in (and around) one week: random delays, some reassigned after their first
    reply, some unresolved, some without a team, surveys; plus an idle agent and an empty team."""
    clock.now_value = START + timedelta(days=20)
    rnd = random.Random(16)
    sup = world.agent("supervisor", teams=())
    agents = [
        world.agent(teams=("Support",)),
        world.agent(teams=("Support",)),
        world.agent(teams=("Billing",)),
    ]
    idle = world.agent(teams=("Support",))
    ids = [a["id"] for a in agents]
    with inbox.unit_of_work() as uow:
        s = uow.session
        s.add(Team(name="Empty team"))
        account = ChannelAccount(kind="webhook", name="seed")
        s.add(account)
        s.flush()
        teams = {t.name: t.id for t in s.query(Team)}
        convs = []
        for i in range(80):
            cust = Customer(name=f"c{i}")
            s.add(cust)
            s.flush()
            # created from two days before the week to its end, so some first answers fall outside
            created = START - timedelta(days=2) + timedelta(minutes=rnd.randrange(0, 9 * 24 * 60))
            answered = rnd.random() < 0.85
            first_at = created + timedelta(seconds=rnd.randrange(30, 6 * 3600)) if answered else None
            first_by = rnd.choice(ids) if answered else None
            assignee = rnd.choice(ids) if rnd.random() < 0.3 else first_by  # reassigned after answering
            resolved = answered and rnd.random() < 0.7
            resolved_at = first_at + timedelta(seconds=rnd.randrange(60, 3 * 86400)) if resolved else None
            team = rnd.choice([teams["Support"], teams["Billing"], None])
            conv = Conversation(
                customer_id=cust.id,
                channel_account_id=account.id,
                channel="webhook",
                thread_key=f"t{i}",
                created_at=created,
                first_response_at=first_at,
                first_response_agent_id=first_by,
                assignee_id=assignee,
                team_id=team,
                status="resolved" if resolved else "open",
                resolved_at=resolved_at,
            )
            s.add(conv)
            s.flush()
            convs.append(conv)
            if resolved and rnd.random() < 0.6:
                kind = rnd.choice(["csat", "nps"])
                rating = rnd.randint(1, 5) if kind == "csat" else rnd.randint(0, 10)
                at = resolved_at + timedelta(hours=rnd.randrange(1, 48))
                s.add(
                    SurveyResponse(
                        conversation_id=conv.id,
                        customer_id=cust.id,
                        agent_id=assignee,
                        kind=kind,
                        token=f"tok{i}",
                        rating=rating,
                        sent_at=resolved_at,
                        answered_at=at,
                    )
                )
        facts = [
            {
                "id": c.id,
                "created": c.created_at,
                "first": c.first_response_at,
                "first_by": c.first_response_agent_id,
                "assignee": c.assignee_id,
                "team": c.team_id,
                "resolved": c.resolved_at,
            }
            for c in convs
        ]
        answers = [
            {
                "conv": r.conversation_id,
                "agent": r.agent_id,
                "kind": r.kind,
                "rating": r.rating,
                "at": r.answered_at,
            }
            for r in s.query(SurveyResponse)
        ]
    team_of = {f["id"]: f["team"] for f in facts}
    return {
        "sup": sup,
        "agents": ids,
        "idle": idle["id"],
        "teams": teams,
        "facts": facts,
        "answers": [{**a, "team": team_of[a["conv"]]} for a in answers],
    }


def in_week(t: datetime | None) -> bool:
    return t is not None and START <= t < START + timedelta(days=7)


def expected(seeded: dict[str, Any], key: str, value: Any, survey_key: str) -> dict[str, Any]:
    """One row's figures, computed from the seeded facts with the statistics module."""
    facts = seeded["facts"]
    first_key, res_key = ("first_by", "assignee") if key == "agent" else ("team", "team")
    fr = [
        (f["first"] - f["created"]).total_seconds()
        for f in facts
        if in_week(f["first"]) and (value == "all" or f[first_key] == value)
    ]
    res = [
        (f["resolved"] - f["created"]).total_seconds()
        for f in facts
        if in_week(f["resolved"]) and (value == "all" or f[res_key] == value)
    ]
    ans = [a for a in seeded["answers"] if in_week(a["at"]) and (value == "all" or a[survey_key] == value)]
    csat = [a["rating"] for a in ans if a["kind"] == "csat"]
    nps = [a["rating"] for a in ans if a["kind"] == "nps"]
    return {
        "fr": (len(fr), statistics.median(fr) if fr else None, p90(fr) if fr else None),
        "res": (len(res), statistics.median(res) if res else None, p90(res) if res else None),
        "csat": (len(csat), round(100 * sum(r >= 4 for r in csat) / len(csat), 1) if csat else None),
        "nps": (
            len(nps),
            round(100 * (sum(r >= 9 for r in nps) - sum(r <= 6 for r in nps)) / len(nps), 1) if nps else None,
        ),
    }


def close(a: float | None, b: float | None) -> bool:
    return a is None and b is None or (a is not None and b is not None and abs(a - b) <= 0.2)


def check_row(row: dict[str, Any], want: dict[str, Any]) -> None:
    got_fr = (
        row["first_response"]["count"],
        row["first_response"]["median_seconds"],
        row["first_response"]["p90_seconds"],
    )
    got_res = (
        row["resolution"]["count"],
        row["resolution"]["median_seconds"],
        row["resolution"]["p90_seconds"],
    )
    assert (
        got_fr[0] == want["fr"][0] and close(got_fr[1], want["fr"][1]) and close(got_fr[2], want["fr"][2])
    ), (row["name"], got_fr, want["fr"])
    assert (
        got_res[0] == want["res"][0]
        and close(got_res[1], want["res"][1])
        and close(got_res[2], want["res"][2])
    ), (row["name"], got_res, want["res"])
    assert row["handled"]["count"] == want["res"][0]
    assert (row["csat"]["responses"], row["csat"]["score"]) == want["csat"], row["name"]
    assert (row["nps"]["responses"], row["nps"]["score"]) == want["nps"], row["name"]


def get(client, seeded, q: str) -> Any:
    res = client.get(f"/api/reports?{q}", headers=seeded["sup"]["auth"])
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_figures_per_agent_team_and_total_match_an_independent_computation(client, seeded):
    data = get(client, seeded, WEEK)
    assert data["period"]["start"].startswith("2025-03-03T00:00:00") and data["period"]["end"].startswith(
        "2025-03-10T00:00:00"
    )
    by_agent = {r["id"]: r for r in data["agents"]}
    for a in seeded["agents"]:
        check_row(by_agent[a], expected(seeded, "agent", a, "agent"))
    by_team = {r["id"]: r for r in data["teams"]}
    for name in ("Support", "Billing"):
        tid = seeded["teams"][name]
        check_row(by_team[tid], expected(seeded, "team", tid, "team"))
    none_team = next(r for r in data["teams"] if r["group"] == "team:none")
    check_row(none_team, expected(seeded, "team", None, "team"))
    check_row(data["total"], expected(seeded, "agent", "all", "agent"))
    # the figures are not trivially empty: the seed spreads data over every agent
    assert all(by_agent[a]["first_response"]["count"] >= 5 for a in seeded["agents"])


def test_agents_and_teams_without_data_are_listed_with_no_figures(client, seeded):
    data = get(client, seeded, WEEK)
    idle = next(r for r in data["agents"] if r["id"] == seeded["idle"])
    empty = next(r for r in data["teams"] if r["id"] == seeded["teams"]["Empty team"])
    for row in (idle, empty):
        assert row["first_response"] == {
            **row["first_response"],
            "count": 0,
            "median_seconds": None,
            "p90_seconds": None,
        }
        assert row["resolution"]["median_seconds"] is None and row["handled"]["count"] == 0
        assert row["csat"]["score"] is None and row["nps"]["score"] is None
    # the supervisor is listed too (supervisors answer conversations as well)
    assert seeded["sup"]["id"] in {r["id"] for r in data["agents"]}


def test_every_figure_drills_to_exactly_the_conversations_it_counted(client, seeded):
    data = get(client, seeded, WEEK)
    auth = seeded["sup"]["auth"]
    facts = {f["id"]: f for f in seeded["facts"]}
    rows = data["agents"] + data["teams"] + [data["total"]]
    for row in rows:
        for metric, count in (
            ("first_response", row["first_response"]["count"]),
            ("resolution", row["resolution"]["count"]),
            ("handled", row["handled"]["count"]),
            ("csat", row["csat"]["responses"]),
            ("nps", row["nps"]["responses"]),
        ):
            drill = row[metric]["drill"]
            res = client.get("/api/reports/conversations", query_string={**drill, "limit": 500}, headers=auth)
            assert res.status_code == 200, res.get_json()
            got = res.get_json()
            assert got["count"] == count == len(got["conversations"]), (row["name"], metric)
    # slowest first, each a link into the inbox, times as computed here
    a = seeded["agents"][0]
    row = next(r for r in data["agents"] if r["id"] == a)
    res = client.get(
        "/api/reports/conversations", query_string=row["first_response"]["drill"], headers=auth
    ).get_json()
    want = sorted(
        ((f["first"] - f["created"]).total_seconds(), f["id"])
        for f in facts.values()
        if in_week(f["first"]) and f["first_by"] == a
    )
    assert [c["id"] for c in res["conversations"]] == [
        i for _, i in sorted(want, key=lambda x: (-x[0], -x[1]))
    ]
    assert all(c["url"] == f"/?conversation={c['id']}" and c["agent_id"] == a for c in res["conversations"])


def test_reassigned_conversation_credits_the_first_responder(client, world, post_webhook, inbox, clock):
    # "today" must hold all 19 minutes below: started at the wall clock after 23:41 UTC, the first
    # reply fell on yesterday
    clock.now_value = clock.now_value.replace(hour=8, minute=0, second=0)
    sup = world.agent("supervisor", teams=())
    first, second = world.agent(), world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("r1", "Where is my parcel?"))
    cid = client.get("/api/conversations", headers=first["auth"]).get_json()["conversations"][0]["id"]
    clock.advance(minutes=4)
    assert (
        client.post(
            f"/api/conversations/{cid}/replies", json={"text": "On it"}, headers=first["auth"]
        ).status_code
        == 201
    )
    clock.advance(minutes=10)
    assert (
        client.patch(
            f"/api/conversations/{cid}", json={"assignee_id": second["id"]}, headers=first["auth"]
        ).status_code
        == 200
    )
    clock.advance(minutes=5)
    assert (
        client.post(
            f"/api/conversations/{cid}/replies", json={"text": "Sent today"}, headers=second["auth"]
        ).status_code
        == 201
    )
    assert (
        client.patch(
            f"/api/conversations/{cid}", json={"status": "resolved"}, headers=second["auth"]
        ).status_code
        == 200
    )
    data = client.get("/api/reports?preset=today&tz=UTC", headers=sup["auth"]).get_json()
    rows = {r["id"]: r for r in data["agents"]}
    assert rows[first["id"]]["first_response"]["count"] == 1
    assert rows[first["id"]]["first_response"]["median_seconds"] == pytest.approx(240, abs=1)
    assert rows[second["id"]]["first_response"]["count"] == 0
    assert rows[second["id"]]["handled"]["count"] == 1 and rows[first["id"]]["handled"]["count"] == 0
    assert rows[second["id"]]["resolution"]["median_seconds"] == pytest.approx(19 * 60, abs=1)


def test_period_follows_the_viewers_time_zone(client, seeded, inbox):
    # 2025-03-03 00:00 in Bangkok is 2025-03-02 17:00 UTC
    data = get(client, seeded, "preset=custom&from=2025-03-03&to=2025-03-03&tz=Asia/Bangkok")
    assert data["period"]["start"].startswith("2025-03-02T17:00:00") and data["period"]["end"].startswith(
        "2025-03-03T17:00:00"
    )
    lo, hi = datetime(2025, 3, 2, 17, tzinfo=UTC), datetime(2025, 3, 3, 17, tzinfo=UTC)
    n = sum(1 for f in seeded["facts"] if f["first"] is not None and lo <= f["first"] < hi)
    assert data["total"]["first_response"]["count"] == n
    # presets are the viewer's calendar: at 2025-03-23 00:00 UTC it is already the 23rd in Bangkok
    today = get(client, seeded, "preset=yesterday&tz=Asia/Bangkok")["period"]
    assert today["from"] == today["to"] == "2025-03-22"
    week = get(client, seeded, "preset=last_week&tz=America/New_York")["period"]
    assert (week["from"], week["to"]) == ("2025-03-10", "2025-03-16")


def test_csv_of_each_table_is_spreadsheet_safe(client, seeded, inbox):
    with inbox.unit_of_work() as uow:
        uow.session.query(Team).filter(Team.name == "Empty team").update({"name": '=HYPERLINK("x")'})
    auth = seeded["sup"]["auth"]
    for table in ("agents", "teams"):
        res = client.get(f"/api/reports?{WEEK}&format=csv&table={table}", headers=auth)
        assert res.status_code == 200 and res.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True))))
        data = get(client, seeded, WEEK)
        assert [r["name"] for r in rows] == [
            r["name"] if not r["name"].startswith("=") else "'" + r["name"] for r in data[table]
        ] + ["All"]
        total = rows[-1]
        assert int(total["first_response_count"]) == data["total"]["first_response"]["count"]
    teams = client.get(f"/api/reports?{WEEK}&format=csv&table=teams", headers=auth).get_data(as_text=True)
    assert "'=HYPERLINK" in teams and "\n=HYPERLINK" not in teams
    drill = client.get(f"/api/reports/conversations?{WEEK}&metric=handled&group=all&format=csv", headers=auth)
    lines = list(csv.DictReader(io.StringIO(drill.get_data(as_text=True))))
    assert len(lines) == get(client, seeded, WEEK)["total"]["handled"]["count"]


def test_agents_get_403_and_bad_input_is_a_400_naming_the_field(client, seeded, world):
    agent = world.agent()
    assert client.get("/api/reports", headers=agent["auth"]).status_code == 403
    assert client.get("/api/reports/conversations", headers=agent["auth"]).status_code == 403
    assert client.get("/reports", headers=agent["auth"]).status_code == 403
    auth = seeded["sup"]["auth"]
    for q, field in (
        ("tz=Mars/Olympus", "tz"),
        ("preset=fortnight", "preset"),
        ("preset=custom&from=2025-03-03", "to"),
        ("preset=custom&to=2025-03-03", "from"),
        ("from=2025-03-09&to=2025-03-03", "to"),
        ("from=2020-01-01&to=2025-03-03", "to"),
        ("from=2025-02-30&to=2025-03-03", "from"),
        ("from=1900-01-01&to=1900-01-02", "from"),
    ):
        res = client.get(f"/api/reports?{q}", headers=auth)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field, (q, res.get_json())
    for q, field in (
        ("metric=speed", "metric"),
        ("group=agent:x", "group"),
        ("group=bots", "group"),
        ("limit=0", "limit"),
    ):
        res = client.get(f"/api/reports/conversations?{q}", headers=auth)
        assert res.status_code == 400 and res.get_json()["error"]["field"] == field, (q, res.get_json())


def test_page_renders_in_the_shell_for_supervisors(client, seeded, world):
    admin = world.agent("admin", teams=())
    for who in (seeded["sup"], admin):
        res = client.get("/reports", headers=who["auth"])
        assert res.status_code == 200
        html = res.get_data(as_text=True)
        assert 'href="/reports" aria-current="page"' in html and "js/reports.js" in html


def test_a_deactivated_agent_keeps_their_figures_and_an_idle_one_leaves_the_list(client, seeded, inbox):
    from inbox.store.models import Agent

    gone = seeded["agents"][0]
    with inbox.unit_of_work() as uow:
        uow.session.query(Agent).filter(Agent.id.in_([gone, seeded["idle"]])).update({"active": False})
    data = get(client, seeded, WEEK)
    rows = {r["id"]: r for r in data["agents"]}
    assert seeded["idle"] not in rows
    assert rows[gone]["name"].endswith("(deactivated)") and rows[gone]["group"] == f"agent:{gone}"
    check_row(rows[gone], expected(seeded, "agent", gone, "agent"))
