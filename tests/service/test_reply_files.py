"""Replies with files: each network gets its files the way its API documents, within its limits,
and a reply that fails half way never sends a file twice when it is retried."""

from __future__ import annotations

import io

from inbox.channels import outbox
from inbox.channels.accounts import create_channel
from inbox.channels.polling import poll
from tests.standins.media import TelegramMediaStandIn, png_bytes

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256)) * 4


def _thread(client, agent):
    convs = client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]
    return client.get(f"/api/conversations/{convs[0]['id']}", headers=agent["auth"]).get_json()


def _upload(client, agent, conv: int, data: bytes, name: str, ctype: str):
    return client.post(
        f"/api/conversations/{conv}/attachments",
        data={"file": (io.BytesIO(data), name, ctype)},
        headers=agent["auth"],
        content_type="multipart/form-data",
    )


def _reply_with(client, agent, conv: int, text: str, files: list[tuple[bytes, str, str]]):
    ids = []
    for data, name, ctype in files:
        up = _upload(client, agent, conv, data, name, ctype)
        assert up.status_code == 201, up.get_json()
        ids.append(up.get_json()["id"])
    res = client.post(
        f"/api/conversations/{conv}/replies",
        json={"text": text, "attachment_ids": ids},
        headers=agent["auth"],
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_telegram_retry_after_the_second_file_failed_sends_only_the_rest(client, world, inbox, clock):
    """The stand-in fails the second file (a 502 on sendPhoto): the retry sends the photo and the
    third file only, so each of the three files reaches the chat exactly once, in order."""
    agent = world.agent()
    shot, notes = png_bytes(120, 80), b"line one\nline two\n"
    with TelegramMediaStandIn() as tg:
        tg.add_mentions(1, text="Send me the label and a photo please")
        ch, _ = create_channel(
            inbox,
            None,
            "telegram",
            "bot",
            {"base_url": tg.base_url, "timeout": 2.0},
            {"bot_token": tg.token},
            world.team_id(),
        )
        poll(inbox, ch["id"], force=True)
        conv = _thread(client, agent)["id"]
        files = [
            (PDF, "label.pdf", "application/pdf"),
            (shot, "box.png", "image/png"),
            (notes, "notes.txt", "text/plain"),
        ]
        _reply_with(client, agent, conv, "Here you go.", files)
        tg.fail_next(502, path="/sendPhoto")
        assert outbox.deliver_due(inbox) == 1
        (out,) = [m for m in _thread(client, agent)["messages"] if m["direction"] == "out"]
        assert out["delivery"]["status"] == "queued" and [m.get("data") for m in tg.sent] == [PDF]
        clock.advance(hours=2)
        assert outbox.deliver_due(inbox) == 1
        clock.advance(hours=2)
        assert outbox.deliver_due(inbox) == 0  # sent: nothing left to do
        sent = list(tg.sent)
    assert [(m.get("data"), m.get("caption")) for m in sent] == [
        (PDF, "Here you go."),
        (shot, None),
        (notes, None),
    ]
    assert len(tg.calls("/sendDocument")) == 2 and len(tg.calls("/sendPhoto")) == 2  # one failed, one taken
    (out,) = [m for m in _thread(client, agent)["messages"] if m["direction"] == "out"]
    assert out["delivery"]["status"] == "sent"
    assert out["delivery"]["external_id"] == f"5550001:{sent[0]['message_id']}"  # the reply is its first part
