"""The customer is answered in their language: a rule's canned reply uses the conversation's language
variant when it has one (else the default text), and the language used is recorded on the message."""

from __future__ import annotations

import re

from sqlalchemy import select

from inbox.insights.surveys_service import send_surveys
from inbox.store.models import CannedResponse, Conversation, Direction, Message
from tests.service.conftest import message


def test_send_canned_answers_in_the_conversations_language(client, world, post_webhook, inbox):  # type: ignore[no-untyped-def]
    sup = world.agent("supervisor")
    with inbox.unit_of_work() as uow:
        uow.session.add(
            CannedResponse(
                shortcut="ack",
                text="Thanks, we are on it.",
                variants={"th": "ขอบคุณค่ะ เรากำลังดำเนินการให้", "zh-Hant": "謝謝，我們正在處理。"},
            )
        )
    with inbox.read() as s:
        canned_id = s.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == "ack"))
    rule = {
        "name": "acknowledge",
        "trigger": "message.created",
        "conditions": [{"field": "message.public", "op": "equals", "value": True}],
        "actions": [{"type": "send_canned", "canned_id": canned_id}],
    }
    assert client.post("/api/rules", json=rule, headers=sup["auth"]).status_code == 201
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("th-1", "สินค้าที่สั่งไปยังไม่ได้รับเลยค่ะ รอมาสองอาทิตย์แล้ว", author="a"))
    post_webhook(channel_id, secret, message("en-1", "My order has not arrived after two weeks", author="b"))
    with inbox.read() as s:
        out = {
            conv_language: (text, language)
            for conv_language, text, language in s.execute(
                select(Conversation.language, Message.text, Message.language)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.direction == Direction.OUT.value)
            )
        }
    assert out["th"] == ("ขอบคุณค่ะ เรากำลังดำเนินการให้", "th")
    assert out["en"] == ("Thanks, we are on it.", None)  # no English variant: the default text


def test_a_thai_customers_invitation_and_survey_page_are_in_thai_with_a_buddhist_date(
    client, world, post_webhook, inbox, clock
):  # type: ignore[no-untyped-def]
    inbox.settings["survey_base_url"] = "https://help.example.com"
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("s-th", "ขอบคุณมากค่ะ ได้รับของแล้ว เรียบร้อยดีค่ะ"))
    post_webhook(channel_id, secret, message("s-en", "Thanks, all sorted now", author="u2"))
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    for c in convs:
        client.patch(
            f"/api/conversations/{c['id']}",
            json={"status": "resolved", "assignee_id": agent["id"]},
            headers=agent["auth"],
        )
    assert send_surveys(inbox) == 4
    with inbox.read() as s:
        replies = {
            lang: (text, used)
            for lang, text, used in s.execute(
                select(Conversation.language, Message.text, Message.language)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.direction == Direction.OUT.value)
            )
        }
    th_text, th_used = replies["th"]
    assert th_text.startswith("ขอบคุณที่ติดต่อเราค่ะ") and th_used == "th"
    assert replies["en"][0].startswith("Thanks for contacting us.") and replies["en"][1] == "en"
    token = th_text.split("/survey/")[1].split()[0]
    # the customer's browser asks for English: the page still answers in the conversation's language
    page = client.get(f"/survey/{token}", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="th-TH"' in page
    assert "พึงพอใจ" in page or "แนะนำ" in page  # the CSAT or the NPS question, in Thai
    be_year = clock().year + 543
    assert f"พ.ศ. {be_year}" in page and str(clock().year) not in page.split("survey-when")[1][:80]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post(
        f"/survey/{token}", data={"rating": "x", "csrf_token": csrf}, headers={"Accept-Language": "en"}
    )
    assert res.status_code == 400 and "โปรดเลือกคะแนน" in res.get_data(as_text=True)  # said in Thai
