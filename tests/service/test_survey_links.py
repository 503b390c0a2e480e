"""With a public URL configured, a resolved conversation's customer gets the survey link as a reply."""

from __future__ import annotations

from sqlalchemy import select

from inbox.insights.surveys_service import send_surveys
from inbox.store.models import Message, Outbox
from tests.service.conftest import message


def test_resolution_sends_survey_links_through_the_outbox(client, world, post_webhook, inbox, clock):
    inbox.settings["survey_base_url"] = "https://help.example.com"
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("s1", "Thanks, all sorted now"))
    cid = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"][0]["id"]
    client.patch(
        f"/api/conversations/{cid}",
        json={"status": "resolved", "assignee_id": agent["id"]},
        headers=agent["auth"],
    )
    assert send_surveys(inbox) == 2  # CSAT and NPS
    assert send_surveys(inbox) == 0  # once per resolution
    with inbox.read() as s:
        reply = s.scalar(select(Message).where(Message.conversation_id == cid, Message.direction == "out"))
        assert reply.text.count("https://help.example.com/survey/") == 2
        assert s.scalar(select(Outbox).where(Outbox.message_id == reply.id)).status == "queued"
    token = reply.text.split("/survey/")[1].split()[0]
    assert client.get(f"/survey/{token}").status_code == 200  # public: no login
