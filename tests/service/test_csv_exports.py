"""Every CSV export is safe in a spreadsheet: customer text that looks like a formula goes out as text."""

from __future__ import annotations

import csv
import io

import pytest

from inbox.conversations.corrections import export_corrections
from tests.service.conftest import message

HOSTILE = [' =HYPERLINK("http://evil")', "\n=1+1", "＝1+1", "＋cmd", "－1", "＠SUM(A1)", "\t=1", "-1+1"]


@pytest.fixture
def hostile(world, post_webhook):
    channel_id, secret = world.webhook_channel()
    batch = [
        message(f"h{i}", text=t + " terrible awful service", author=f"u{i}") for i, t in enumerate(HOSTILE)
    ]
    res = post_webhook(channel_id, secret, batch)
    assert res.status_code == 200 and res.get_json()["stored"] == len(HOSTILE), res.get_json()
    return res.get_json()["message_ids"]


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_dashboard_message_exports_protect_formula_like_text(client, world, clock, hostile):
    clock.advance(minutes=5)  # the messages carry the real time of their delivery
    sup = world.agent("supervisor")
    res = client.get("/api/dashboard/messages?format=csv", headers=sup["auth"])
    assert res.status_code == 200 and res.mimetype == "text/csv"
    texts = sorted(r["text"] for r in cells(res.get_data(as_text=True)))
    assert texts == sorted("'" + t + " terrible awful service" for t in HOSTILE)
    res = client.get("/api/dashboard?format=csv&table=top_negative", headers=sup["auth"])
    assert res.status_code == 200
    assert all(r["text"].startswith("'") for r in cells(res.get_data(as_text=True)))


def test_export_corrections_protects_customer_text(client, world, inbox, hostile):
    agent = world.agent("admin")
    for message_id in hostile:
        res = client.put(
            f"/api/messages/{message_id}/sentiment", json={"label": "neutral"}, headers=agent["auth"]
        )
        assert res.status_code == 200, res.get_json()
    rows = cells(export_corrections(inbox))
    assert sorted(r["text"] for r in rows) == sorted("'" + t + " terrible awful service" for t in HOSTILE)
    assert {r["label"] for r in rows} == {"neutral"}
