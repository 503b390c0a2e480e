"""The customer is answered in their language: a rule's canned reply uses the conversation's language
variant when it has one (else the default text), and the language used is recorded on the message."""

from __future__ import annotations

from sqlalchemy import select

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
