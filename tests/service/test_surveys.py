"""Surveys: a token after resolution, a public CSRF-protected answer page, detractors reopen and escalate."""

from __future__ import annotations

import re

from sqlalchemy import select

from inbox.insights.surveys_service import send_surveys
from inbox.store.models import Conversation, SurveyResponse
from tests.service.conftest import message, sio_client, wait_for


def _resolved_conversation(client, world, post_webhook):
    agent = world.agent()
    sup = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("m1", "My order is late"))
    conv = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"][0]
    client.patch(
        f"/api/conversations/{conv['id']}",
        json={"status": "resolved", "assignee_id": agent["id"]},
        headers=sup["auth"],
    )
    return conv["id"], agent, sup


def _tokens(inbox, conv_id):
    with inbox.read() as s:
        return {
            r.kind: r
            for r in s.scalars(select(SurveyResponse).where(SurveyResponse.conversation_id == conv_id))
        }


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_resolution_creates_one_survey_per_kind_once(app, client, world, inbox, post_webhook):
    conv_id, agent, _ = _resolved_conversation(client, world, post_webhook)
    assert send_surveys(inbox) == 2
    assert send_surveys(inbox) == 0  # already sent since this resolution
    tokens = _tokens(inbox, conv_id)
    assert set(tokens) == {"csat", "nps"} and tokens["csat"].agent_id == agent["id"]


def test_public_page_stores_the_answer_with_csrf(app, inbox, world, post_webhook, client):
    conv_id, agent, _ = _resolved_conversation(client, world, post_webhook)
    send_surveys(inbox)
    token = _tokens(inbox, conv_id)["csat"].token
    anon = app.test_client()
    page = anon.get(f"/survey/{token}")
    assert page.status_code == 200 and "How satisfied" in page.get_data(as_text=True)
    assert anon.post(f"/survey/{token}", data={"rating": "5"}).status_code == 400  # no CSRF token
    ok = anon.post(
        f"/survey/{token}",
        data={"rating": "5", "comment": "quick, thanks", "csrf_token": _csrf(page.get_data(as_text=True))},
    )
    assert ok.status_code == 200 and "Thank you" in ok.get_data(as_text=True)
    r = _tokens(inbox, conv_id)["csat"]
    assert (r.rating, r.comment, r.agent_id) == (5, "quick, thanks", agent["id"])
    with inbox.read() as s:
        assert s.get(Conversation, conv_id).status == "resolved"  # a happy answer changes nothing
    assert anon.get("/survey/not-a-token").status_code == 404


def test_detractor_reopens_and_escalates(app, inbox, world, post_webhook, client):
    conv_id, agent, sup = _resolved_conversation(client, world, post_webhook)
    send_surveys(inbox)
    token = _tokens(inbox, conv_id)["nps"].token
    watcher = sio_client(app, sup["token"])
    anon = app.test_client()
    page = anon.get(f"/survey/{token}")
    bad = anon.post(
        f"/survey/{token}", data={"rating": "11", "csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert bad.status_code == 400
    anon.post(
        f"/survey/{token}",
        data={"rating": "3", "comment": "never again", "csrf_token": _csrf(page.get_data(as_text=True))},
    )
    got = wait_for(watcher, "conversation.escalated")
    assert got["conversation"]["id"] == conv_id and "NPS 3" in got["reason"]
    with inbox.read() as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == "open" and conv.resolved_at is None
    report = client.get("/api/dashboard", headers=sup["auth"]).get_json()["surveys"]
    assert report["overall"]["nps"]["detractors"] == 1
    assert [r["key"] for r in report["by_agent"]] == [agent["id"]]
