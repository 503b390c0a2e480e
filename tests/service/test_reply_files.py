"""Replies with files: each network gets its files the way its API documents, within its limits,
and a reply that fails half way never sends a file twice when it is retried."""

from __future__ import annotations

import io

import pytest

from inbox.channels import outbox
from inbox.channels.accounts import create_channel
from inbox.channels.polling import poll
from tests.standins import BlueskyStandIn, MastodonStandIn, MetaStandIn, XStandIn
from tests.standins.media import TelegramMediaStandIn, jpeg_bytes, png_bytes

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


def _polled(inbox, world, kind: str, settings: dict, secrets: dict) -> int:
    ch, _ = create_channel(inbox, None, kind, kind, {"timeout": 2.0, **settings}, secrets, world.team_id())
    poll(inbox, ch["id"], force=True)
    return ch["id"]


def _out(client, agent):
    (out,) = [m for m in _thread(client, agent)["messages"] if m["direction"] == "out"]
    return out


def test_mastodon_reply_uploads_media_then_names_it_in_the_status(client, world, inbox):
    """POST /api/v2/media for each file (a large one answers 202 and is polled until processed),
    then the status with media_ids."""
    agent = world.agent()
    small, big = png_bytes(64, 64), jpeg_bytes(1600, 1200) + b"\0" * 1_000_000
    with MastodonStandIn() as m:
        m.add_mentions(1, text="what does the damage look like?")
        _polled(inbox, world, "mastodon", {"base_url": m.base_url}, {"access_token": m.token})
        conv = _thread(client, agent)["id"]
        _reply_with(
            client, agent, conv, "Like this:", [(small, "a.png", "image/png"), (big, "b.jpg", "image/jpeg")]
        )
        assert outbox.deliver_due(inbox) == 1
        (status,) = m.statuses
        assert [a["description"] for a in status["media_attachments"]] == ["a.png", "b.jpg"]
        assert [m.media[a["id"]]["data"] for a in status["media_attachments"]] == [small, big]
        assert len(m.calls("/api/v1/media/")) == 2  # the big one: 206 (processing), then 200
    assert _out(client, agent)["delivery"]["status"] == "sent"


def test_bluesky_reply_uploads_blobs_and_embeds_the_images(client, world, inbox):
    agent = world.agent()
    shot = png_bytes(200, 100)
    with BlueskyStandIn() as b:
        b.add_mentions(1, noise_every=0)
        _polled(
            inbox,
            world,
            "bluesky",
            {"base_url": b.base_url, "identifier": b.identifier},
            {"app_password": b.password},
        )
        conv = _thread(client, agent)["id"]
        _reply_with(client, agent, conv, "Here is the chart", [(shot, "chart.png", "image/png")])
        assert outbox.deliver_due(inbox) == 1
        (rec,) = b.records
        (img,) = rec["record"]["embed"]["images"]
        assert rec["record"]["embed"]["$type"] == "app.bsky.embed.images" and img["alt"] == "chart.png"
        assert b.blobs[img["image"]["ref"]["$link"]] == ("image/png", shot)
        assert img["image"]["mimeType"] == "image/png" and img["image"]["size"] == len(shot)
    assert _out(client, agent)["delivery"]["status"] == "sent"


def test_x_reply_uploads_media_then_posts_with_media_ids(client, world, inbox):
    agent = world.agent()
    pic = jpeg_bytes(300, 200)
    with XStandIn() as x:
        x.add_mentions(1)
        _polled(inbox, world, "x", {"base_url": x.base_url, "user_id": x.user_id}, {"bearer_token": x.token})
        conv = _thread(client, agent)["id"]
        _reply_with(client, agent, conv, "See the photo", [(pic, "box.jpg", "image/jpeg")])
        assert outbox.deliver_due(inbox) == 1
        (post,) = x.posts
        (media,) = post["media"]
        assert media == {"name": "box.jpg", "type": "image/jpeg", "category": "tweet_image", "data": pic}
        assert post["reply"]["in_reply_to_tweet_id"]
    assert _out(client, agent)["delivery"]["status"] == "sent"


def _messenger_dm(client, inbox, world, meta) -> None:
    ch, _ = create_channel(
        inbox,
        None,
        "meta",
        "page",
        {"page_id": "104000000000001", "base_url": meta.base_url, "timeout": 2.0},
        {"app_secret": "app-secret", "verify_token": "vt", "page_access_token": meta.token},
        world.team_id(),
    )
    event = {
        "sender": {"id": "6130000000000001"},
        "recipient": {"id": "104000000000001"},
        "timestamp": 1772619329000,
        "message": {"mid": "m_in1", "text": "Can I get the invoice?"},
    }
    body = {
        "object": "page",
        "entry": [{"id": "104000000000001", "time": 1772619329000, "messaging": [event]}],
    }
    headers, raw = MetaStandIn.delivery(body, "app-secret")
    assert client.post(f"/api/channels/{ch['id']}/webhook", data=raw, headers=headers).status_code == 200


def test_messenger_reply_sends_the_text_then_each_file_once_even_after_a_failure(client, world, inbox, clock):
    """The Send API takes one uploaded file per message: the text, then each file as multipart
    `filedata`. A 500 on the second file: the retry sends only that file."""
    agent = world.agent()
    pic = png_bytes(90, 60)
    with MetaStandIn() as meta:
        _messenger_dm(client, inbox, world, meta)
        conv = _thread(client, agent)["id"]
        _reply_with(
            client,
            agent,
            conv,
            "Attached.",
            [(PDF, "invoice.pdf", "application/pdf"), (pic, "stamp.png", "image/png")],
        )
        meta.fail_next(500, path="/messages", after=1)  # the text goes, the first file fails
        assert outbox.deliver_due(inbox) == 1
        assert [m.get("message", {}).get("text") for m in meta.sent] == ["Attached."]
        assert _out(client, agent)["delivery"]["status"] == "queued"
        clock.advance(hours=2)
        assert outbox.deliver_due(inbox) == 1
        sent = list(meta.sent)
    assert [m.get("message", {}).get("text") for m in sent[:1]] == ["Attached."]
    assert [
        (m["attachment"]["type"], m["attachment"]["name"], m["attachment"]["data"]) for m in sent[1:]
    ] == [
        ("file", "invoice.pdf", PDF),
        ("image", "stamp.png", pic),
    ]
    assert all(m["recipient"] == {"id": "6130000000000001"} for m in sent)
    assert _out(client, agent)["delivery"]["status"] == "sent"


@pytest.mark.parametrize(
    ("network", "name", "ctype", "size", "says"),
    [
        ("mastodon", "terms.pdf", "application/pdf", 1000, "mastodon replies carry images, video and audio"),
        ("bluesky", "clip.mp4", "video/mp4", 1000, "bluesky replies carry images only"),
        ("bluesky", "big.png", "image/png", 1_000_001, "at most 1000000 bytes"),
        ("x", "clip.mp4", "video/mp4", 1000, "x replies carry images and gifs only"),
    ],
)
def test_a_file_the_network_cannot_carry_is_a_400_naming_the_limit(
    client, world, inbox, network, name, ctype, size, says
):
    agent = world.agent()
    standin = {"mastodon": MastodonStandIn, "bluesky": BlueskyStandIn, "x": XStandIn}[network]()
    with standin as net:
        settings, secrets = {
            "mastodon": ({"base_url": net.base_url}, {"access_token": getattr(net, "token", "")}),
            "bluesky": (
                {"base_url": net.base_url, "identifier": getattr(net, "identifier", "")},
                {"app_password": getattr(net, "password", "")},
            ),
            "x": (
                {"base_url": net.base_url, "user_id": getattr(net, "user_id", "")},
                {"bearer_token": getattr(net, "token", "")},
            ),
        }[network]
        if network == "bluesky":
            net.add_mentions(1, noise_every=0)
        else:
            net.add_mentions(1)
        _polled(inbox, world, network, settings, secrets)
        conv = _thread(client, agent)["id"]
        data = (b"\x89PNG\r\n\x1a\n" if ctype == "image/png" else b"") + b"x" * size
        res = _upload(client, agent, conv, data[:size], name, ctype)
    assert res.status_code == 400
    err = res.get_json()["error"]
    assert err["field"] == "file" and says in err["message"].lower()


def test_instagram_dm_and_comment_replies_refuse_files_saying_why(client, world, inbox):
    agent = world.agent()
    with MetaStandIn() as meta:
        _messenger_dm(client, inbox, world, meta)
        conv = _thread(client, agent)["id"]
    from inbox.store.models import Conversation

    with inbox.unit_of_work() as uow:  # the same conversation as an Instagram DM, then a comment
        row = uow.session.get(Conversation, conv)
        row.channel = "instagram"
    res = _upload(client, agent, conv, PDF, "invoice.pdf", "application/pdf")
    assert res.status_code == 400 and "public URLs" in res.get_json()["error"]["message"]
    with inbox.unit_of_work() as uow:
        row = uow.session.get(Conversation, conv)
        row.channel, row.public = "facebook", True
    res = _upload(client, agent, conv, PDF, "invoice.pdf", "application/pdf")
    assert (
        res.status_code == 400 and "comment replies cannot carry files" in res.get_json()["error"]["message"]
    )
