"""The customers page (#19 item 4): filters, pickers, sorts and pages on a seeded set of customers,
checked against counts computed independently here; the RFM grid and its cells; the lifecycle
funnel's conversion figures; one customer's page with everything they did, rendered as text."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from inbox.insights import lifecycle_service
from inbox.insights.analytics.rfm import rfm_scores, segment
from inbox.store.models import Customer, Identity, LifecycleTransition, Order, SurveyResponse
from tests.service.conftest import message

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
STAGES = ("awareness", "engagement", "conversion", "retention", "loyalty", "churn_risk")
SEGMENTS = ("champions", "loyal", "new", "at_risk", "lost", None)


def _seed(inbox, n: int = 60) -> list[dict]:
    """`n` customers with every filterable attribute drawn at random (fixed seed), plus two merged
    away (which no count may include). Returns what was stored, for the independent counts."""
    rng = random.Random(19)
    rows = []
    with inbox.unit_of_work() as uow:
        s = uow.session
        for i in range(n):
            seen = rng.choice([None, 1, 5, 8, 20, 29, 31, 60, 89, 91, 400])
            clv = rng.choice([0.0, 0.0, 12.5, 99.99, 100.0, 450.0, 999.99, 1000.0, 5400.0])
            scored = clv > 0
            c = Customer(
                name=f"Kunde {i:03d}",
                email=f"k{i}@shop.example" if i % 3 else None,
                lifecycle_stage=rng.choice(STAGES),
                vip=rng.random() < 0.2,
                clv=clv,
                rfm_segment=rng.choice(SEGMENTS[:-1]) if scored else None,
                rfm_recency=rng.randint(1, 5) if scored else None,
                rfm_frequency=rng.randint(1, 5) if scored else None,
                created_at=NOW - timedelta(days=500 - i),
                last_seen_at=None if seen is None else NOW - timedelta(days=seen, hours=1),
            )
            s.add(c)
            s.flush()
            rows.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "stage": c.lifecycle_stage,
                    "vip": c.vip,
                    "clv": clv,
                    "segment": c.rfm_segment,
                    "r": c.rfm_recency,
                    "f": c.rfm_frequency,
                    "seen_days": seen,
                    "last_seen_at": c.last_seen_at,
                }
            )
        for j in range(2):
            s.add(
                Customer(
                    name=f"Merged {j}",
                    lifecycle_stage="loyalty",
                    vip=True,
                    clv=5000.0,
                    merged_into_id=rows[j]["id"],
                )
            )
    return rows


def _value_band(clv: float) -> str:
    if clv <= 0:
        return "none"
    if clv < 100:
        return "under_100"
    if clv < 1000:
        return "100_to_1000"
    return "1000_plus"


def _contact_band(days: int | None) -> str:
    # seen `days` days and one hour ago
    if days is None:
        return "never"
    if days < 7:
        return "7d"
    if days < 30:
        return "30d"
    if days < 90:
        return "90d"
    return "older"


def _all_ids(client, sup, params: str) -> tuple[list[int], int]:
    """Every id the API lists for `params`, walking the numbered pages; and the total it states."""
    ids, page, total = [], 1, None
    while True:
        out = client.get(f"/api/customers?{params}&limit=7&page={page}", headers=sup["auth"]).get_json()
        total = out["total"]
        ids += [c["id"] for c in out["customers"]]
        if page >= out["pages"]:
            return ids, total
        page += 1


def test_filters_and_pickers_equal_independent_counts(client, world, inbox, clock):
    clock.now_value = NOW
    sup = world.agent("supervisor")
    rows = _seed(inbox)
    cases = {
        "stage=conversion": lambda r: r["stage"] == "conversion",
        "segment=at_risk": lambda r: r["segment"] == "at_risk",
        "vip=true": lambda r: r["vip"],
        "vip=false": lambda r: not r["vip"],
        "value=100_to_1000": lambda r: _value_band(r["clv"]) == "100_to_1000",
        "value=none": lambda r: r["clv"] <= 0,
        "contact=30d": lambda r: _contact_band(r["seen_days"]) == "30d",
        "contact=never": lambda r: r["seen_days"] is None,
        "contact=older&vip=false": lambda r: _contact_band(r["seen_days"]) == "older" and not r["vip"],
        "stage=loyalty&value=1000_plus": lambda r: r["stage"] == "loyalty" and r["clv"] >= 1000,
        "q=kunde%2000": lambda r: r["name"].lower().startswith("kunde 00"),
        "rfm_r=5&rfm_f=1": lambda r: r["r"] == 5 and r["f"] == 1,
    }
    for params, keep in cases.items():
        expected = sorted((r["id"] for r in rows if keep(r)), reverse=True)
        ids, total = _all_ids(client, sup, params)
        assert ids == expected, params
        assert total == len(expected), params

    picks = client.get("/api/customers/facets", headers=sup["auth"]).get_json()
    assert picks["total"] == len(rows)
    for key, attr in (("stages", "stage"), ("segments", "segment")):
        counts = {}
        for r in rows:
            if r[attr] is not None:
                counts[r[attr]] = counts.get(r[attr], 0) + 1
        assert {p["value"]: p["count"] for p in picks[key]} == counts, key
    assert {p["value"]: p["count"] for p in picks["value_bands"]} == _count(
        rows, lambda r: _value_band(r["clv"])
    )
    assert {p["value"]: p["count"] for p in picks["contact_bands"]} == _count(
        rows, lambda r: _contact_band(r["seen_days"])
    )
    assert {p["value"]: p["count"] for p in picks["vip"]} == _count(rows, lambda r: r["vip"])
    # only values that exist are offered, in the funnel's order
    assert all(
        p["count"] > 0 for key in ("stages", "segments", "value_bands", "contact_bands") for p in picks[key]
    )
    order = [p["value"] for p in picks["stages"]]
    assert order == [s for s in STAGES if s in order]
    grid = {(c["r"], c["f"]): c["count"] for c in picks["rfm_grid"]}
    assert grid == _count([r for r in rows if r["r"]], lambda r: (r["r"], r["f"]))
    # a grid cell's count is the number of customers its link lists
    r, f = max(grid, key=grid.get)
    ids, total = _all_ids(client, sup, f"rfm_r={r}&rfm_f={f}")
    assert total == grid[(r, f)] == len(ids)


def _count(rows, key) -> dict:
    out: dict = {}
    for r in rows:
        out[key(r)] = out.get(key(r), 0) + 1
    return out


def test_sorts_and_pages_cover_everyone_once(client, world, inbox, clock):
    clock.now_value = NOW
    sup = world.agent("supervisor")
    rows = _seed(inbox, 30)
    by_value = [r["id"] for r in sorted(rows, key=lambda r: (-r["clv"], -r["id"]))]
    ids, total = _all_ids(client, sup, "sort=value&order=desc")
    assert ids == by_value and total == 30
    by_name = [r["id"] for r in sorted(rows, key=lambda r: (r["name"].lower(), r["id"]))]
    assert _all_ids(client, sup, "sort=name&order=asc")[0] == by_name
    seen = [r for r in rows if r["last_seen_at"] is not None]
    never = [r for r in rows if r["last_seen_at"] is None]
    latest_first = [r["id"] for r in sorted(seen, key=lambda r: (r["last_seen_at"], r["id"]), reverse=True)]
    assert _all_ids(client, sup, "sort=last_contact")[0] == latest_first + sorted(
        (r["id"] for r in never), reverse=True
    )
    bad = client.get("/api/customers?sort=shoe_size", headers=sup["auth"])
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "sort"
    assert client.get("/api/customers?value=lots", headers=sup["auth"]).status_code == 400
    assert client.get("/api/customers?rfm_r=6", headers=sup["auth"]).status_code == 400
    csv_text = client.get(
        "/api/customers?format=csv&sort=value&limit=5&page=1", headers=sup["auth"]
    ).get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("id,name,email,stage") and len(csv_text.splitlines()) == 6


def test_the_page_offers_only_pickers_that_exist_and_links_rfm_cells(client, world, inbox, clock):
    clock.now_value = NOW
    sup = world.agent("supervisor")
    rows = _seed(inbox, 25)
    html = client.get("/customers?stage=conversion", headers=sup["auth"]).get_data(as_text=True)
    present = {r["stage"] for r in rows}
    for stage in STAGES:
        assert (f'<option value="{stage}"' in html) == (stage in present), stage
    n = sum(1 for r in rows if r["stage"] == "conversion")
    assert f"{n} customers match" in html
    assert html.count('class="cust-name"') == n
    cell = next(r for r in rows if r["r"])
    assert f'href="/customers?rfm_r={cell["r"]}&amp;rfm_f={cell["f"]}"' in html
    assert 'id="funnel-chart"' in html and 'id="rfm-chart"' in html and "customers_charts.js" in html


@pytest.mark.parametrize("backend", ["sqlite"])
def test_funnel_conversion_between_stages(client, world, inbox, clock, backend):
    """Ten customers enter in the period: 10 reach awareness, 8 engagement, 4 conversion (one of
    them skipping engagement counts as having passed it), 2 retention, 1 loyalty."""
    clock.now_value = NOW
    sup = world.agent("supervisor")
    paths = (
        [["awareness"]] * 2
        + [["awareness", "engagement"]] * 4
        + [["awareness", "conversion"]]
        + [["awareness", "engagement", "conversion"]]
        + [["awareness", "engagement", "conversion", "retention"]]
        + [["awareness", "engagement", "conversion", "retention", "loyalty", "churn_risk"]]
    )
    start = NOW - timedelta(days=30)
    with inbox.unit_of_work() as uow:
        s = uow.session
        for i, path in enumerate(paths):
            c = Customer(name=f"F{i}", lifecycle_stage=path[-1])
            s.add(c)
            s.flush()
            for k, stage in enumerate(path):
                s.add(
                    LifecycleTransition(
                        customer_id=c.id,
                        from_stage=path[k - 1] if k else None,
                        to_stage=stage,
                        reason="seeded",
                        at=start + timedelta(days=1 + k),
                    )
                )
    out = client.get(
        f"/api/analytics/funnel?from={start.isoformat()}&to={NOW.isoformat()}".replace("+", "%2B"),
        headers=sup["auth"],
    ).get_json()
    steps = {s["stage"]: (s["reached"], s["conversion"]) for s in out["steps"]}
    assert steps == {
        "awareness": (10, None),
        "engagement": (8, 0.8),
        "conversion": (4, 0.5),
        "retention": (2, 0.5),
        "loyalty": (1, 0.5),
    }
    assert out["churn_risk_entered"] == 1


def test_rfm_scores_are_kept_for_the_grid(client, world, inbox, clock):
    clock.now_value = NOW
    sup = world.agent("supervisor")
    with inbox.unit_of_work() as uow:
        s = uow.session
        ids = []
        for i in range(6):
            c = Customer(name=f"Buyer {i}")
            s.add(c)
            s.flush()
            ids.append(c.id)
            for k in range(i + 1):
                s.add(
                    Order(
                        customer_id=c.id,
                        external_id=f"o{i}-{k}",
                        amount=Decimal("10.00") * (i + 1),
                        currency="EUR",
                        ordered_at=NOW - timedelta(days=3 * (6 - i) + k),
                    )
                )
    lifecycle_service.recompute_values(inbox)
    with inbox.read() as s:
        orders = {}
        for o in s.scalars(select(Order)):
            orders.setdefault(o.customer_id, []).append(o)
        expected = rfm_scores(orders, NOW)
        stored = {c.id: c for c in s.scalars(select(Customer).where(Customer.id.in_(ids)))}
    for cid in ids:
        assert (stored[cid].rfm_recency, stored[cid].rfm_frequency) == (expected[cid].r, expected[cid].f)
        assert stored[cid].rfm_segment == segment(expected[cid]).value
    grid = client.get("/api/customers/facets", headers=sup["auth"]).get_json()["rfm_grid"]
    assert sum(c["count"] for c in grid) == 6


def test_a_customers_page_shows_everything_as_text(client, world, inbox, post_webhook, clock):
    clock.now_value = NOW
    sup = world.agent("supervisor")
    channel_id, secret = world.webhook_channel()
    evil = '<img src=x onerror="alert(1)">ราคาแพงมาก 太貴了'
    body = message("p1", evil, author="mali", created_at=NOW.isoformat())
    body["author"]["name"] = '<script>alert("name")</script>Mali'
    assert post_webhook(channel_id, secret, body).status_code == 200
    post_webhook(channel_id, secret, message("p2", "Second thread please", author="mali", thread_id="t2"))
    with inbox.unit_of_work() as uow:
        s = uow.session
        cid = s.scalar(select(Identity.customer_id).where(Identity.handle == "h_mali"))
        conv_id = s.scalar(select(Customer.id).where(Customer.id == cid))
        from inbox.store.models import Conversation

        conv_id = s.scalar(select(Conversation.id).where(Conversation.customer_id == cid).limit(1))
        s.add(
            Order(
                customer_id=cid,
                external_id="<b>ord-1</b>",
                amount=Decimal("42.50"),
                currency="THB",
                ordered_at=NOW,
            )
        )
        s.add(
            SurveyResponse(
                conversation_id=conv_id,
                customer_id=cid,
                kind="nps",
                token="tok-page-1",
                rating=3,
                comment="<a href='javascript:x'>bad</a> ช้ามาก",
                answered_at=NOW,
            )
        )
    lifecycle_service.recompute_stages(inbox, [cid])
    html = client.get(f"/customers/{cid}", headers=sup["auth"]).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>ord-1</b>" not in html
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;Mali" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;ราคาแพงมาก 太貴了" in html
    assert "&lt;b&gt;ord-1&lt;/b&gt;" in html and "42.50 THB" in html
    assert "ช้ามาก" in html and "detractor" in html
    assert html.count('href="/?conversation=') == 2
    assert "webhook</b> h_mali" in html
    api = client.get(f"/api/customers/{cid}/profile", headers=sup["auth"]).get_json()
    assert [t["to"] for t in api["stages"]] and api["stages"][0]["reason"]
    assert len(api["conversations"]) == 2 and api["order_count"] == 1 and api["surveys"][0]["rating"] == 3
    assert api["stages"][0]["reason"] in html
    agent = world.agent()
    assert client.get(f"/customers/{cid}", headers=agent["auth"]).status_code == 403
    assert client.get(f"/api/customers/{cid}/profile", headers=agent["auth"]).status_code == 403
    assert client.get("/customers/999999", headers=sup["auth"]).status_code == 404
