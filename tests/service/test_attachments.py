"""Attachments end to end: received on e-mail, Messenger and Telegram, stored once by content
hash, fetched by the job (never during ingest), served safely and access-checked; replies carry
files to a real SMTP server; limits refuse with 413/415 and keep the message's row."""

from __future__ import annotations

import email
import io
import json
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from connectors.types import Attachment as Media
from connectors.types import Author, InboundMessage
from inbox.attachments import service as attachments
from inbox.attachments.policy import Limits
from inbox.channels import outbox
from inbox.channels.accounts import create_channel
from inbox.channels.polling import poll
from inbox.ingest import ingest
from inbox.store.models import Attachment
from tests.standins import MetaStandIn
from tests.standins.mail import PASSWORD, Dovecot, SmtpSink, dovecot_available
from tests.standins.media import MediaStandIn, TelegramMediaStandIn, jpeg_bytes, png_bytes
from tests.standins.testing import needs

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256)) * 8


def _mail_with_pdf_and_inline_image(logo: bytes) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Dana Kim <dana.kim@example.com>", "support@acme.example"
    msg["Subject"], msg["Message-ID"] = "Invoice is wrong", "<inv-1@example.com>"
    msg["Date"] = "Wed, 04 Mar 2026 10:15:29 +0000"
    msg.set_content("The attached invoice charges me twice. See the screenshot.")
    msg.add_alternative(
        '<p>The attached invoice charges me twice.</p><img src="cid:shot1@example.com" alt="screenshot">'
        '<img src="https://tracker.example/pixel.gif">',
        subtype="html",
    )
    msg.get_payload()[1].add_related(logo, maintype="image", subtype="png", cid="<shot1@example.com>")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="Rechnung März.pdf")
    return msg


def _thread(client, agent, inbox):
    with inbox.read() as s:
        from inbox.store.models import Conversation

        conv_id = s.scalar(select(Conversation.id).order_by(Conversation.id.desc()).limit(1))
    res = client.get(f"/api/conversations/{conv_id}", headers=agent["auth"])
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _assert_safe(res, content_type: str, disposition: str) -> None:
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith(content_type)
    assert res.headers["Content-Disposition"].startswith(disposition)
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in res.headers["Content-Security-Policy"]


@pytest.mark.skipif(not dovecot_available(), reason=needs("Debian package dovecot-imapd"))
def test_email_with_pdf_and_inline_image_is_stored_and_served_safely(client, world, inbox):
    agent = world.agent("supervisor")
    logo = png_bytes(900, 300)
    with Dovecot() as dove:
        dove.append(_mail_with_pdf_and_inline_image(logo))
        ch, _ = create_channel(
            inbox, None, "email", "mail", dove.settings(), {"password": PASSWORD}, world.team_id()
        )
        report = poll(inbox, ch["id"], force=True)
    assert report.stored == 1
    msg = _thread(client, agent, inbox)["messages"][0]
    files = {a["name"]: a for a in msg["attachments"]}
    assert set(files) == {"Rechnung März.pdf", "shot1.png"}
    pdf, shot = files["Rechnung März.pdf"], files["shot1.png"]
    assert pdf["state"] == shot["state"] == "stored" and pdf["size"] == len(PDF) and shot["inline"]
    assert pdf["thumbnail_url"] is None and shot["thumbnail_url"]
    # the inline image points at its stored attachment; the remote tracking pixel lost its source
    assert f'src="{shot["thumbnail_url"]}"' in msg["html"] and "tracker.example" not in msg["html"]

    got = client.get(pdf["url"], headers=agent["auth"])
    _assert_safe(got, "application/pdf", "attachment")
    assert (
        got.data == PDF and "filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf" in got.headers["Content-Disposition"]
    )
    img = client.get(shot["url"], headers=agent["auth"])
    _assert_safe(img, "image/png", "inline")
    assert img.data == logo
    thumb = client.get(shot["thumbnail_url"], headers=agent["auth"])
    _assert_safe(thumb, "image/png", "inline")
    from PIL import Image

    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320


def _meta_channel(inbox, world, media: MediaStandIn) -> int:
    ch, _ = create_channel(
        inbox,
        None,
        "meta",
        "page",
        {"page_id": "104000000000001", "base_url": media.base_url},
        {"app_secret": "app-secret", "verify_token": "vt", "page_access_token": "pt"},
        world.team_id(),
    )
    return ch["id"]


def _image_dm(mid: str, url: str) -> dict:
    """A Messenger image DM as Meta's webhook reference prints it (no text, one image)."""
    return {
        "object": "page",
        "entry": [
            {
                "id": "104000000000001",
                "time": 1772619329000,
                "messaging": [
                    {
                        "sender": {"id": "6130000000000001"},
                        "recipient": {"id": "104000000000001"},
                        "timestamp": 1772619329000,
                        "message": {"mid": mid, "attachments": [{"type": "image", "payload": {"url": url}}]},
                    }
                ],
            }
        ],
    }


def test_messenger_image_dm_is_fetched_by_the_job_and_served(client, world, inbox):
    agent = world.agent()
    photo = jpeg_bytes()
    with MediaStandIn(files={"v/t1/cat.jpg": ("image/jpeg", photo)}) as cdn:
        cid = _meta_channel(inbox, world, cdn)
        headers, body = MetaStandIn.delivery(
            _image_dm("m_img1", cdn.url("v/t1/cat.jpg") + "?oh=sig"), "app-secret"
        )
        assert client.post(f"/api/channels/{cid}/webhook", data=body, headers=headers).status_code == 200
        assert cdn.calls("/v/t1/cat.jpg") == []  # never fetched during ingest
        msg = _thread(client, agent, inbox)["messages"][0]
        assert msg["text"] == "" and msg["attachments"][0]["state"] == "pending"
        assert msg["attachments"][0]["url"] is None
        assert attachments.fetch_due(inbox) == 1
    att = _thread(client, agent, inbox)["messages"][0]["attachments"][0]
    assert att["state"] == "stored" and att["name"] == "cat.jpg" and att["kind"] == "image"
    got = client.get(att["url"], headers=agent["auth"])
    _assert_safe(got, "image/jpeg", "inline")
    assert got.data == photo
    assert client.get(att["thumbnail_url"], headers=agent["auth"]).status_code == 200


def test_telegram_photo_is_fetched_through_getfile(client, world, inbox):
    agent = world.agent()
    photo = jpeg_bytes(1280, 960)
    with TelegramMediaStandIn() as tg:
        tg.photo_update("AgACAgIAAxkBAAIBY2", photo, caption="the box arrived crushed")
        ch, _ = create_channel(
            inbox,
            None,
            "telegram",
            "bot",
            {"base_url": tg.base_url, "timeout": 2.0},
            {"bot_token": tg.token},
            world.team_id(),
        )
        assert poll(inbox, ch["id"], force=True).stored == 1
        assert attachments.fetch_due(inbox) == 1
        assert [r.json()["file_id"] for r in tg.calls("/getFile")] == [
            "AgACAgIAAxkBAAIBY2"
        ]  # the largest size
    msg = _thread(client, agent, inbox)["messages"][0]
    assert msg["text"] == "the box arrived crushed"
    att = msg["attachments"][0]
    assert att["state"] == "stored" and att["kind"] == "image"
    got = client.get(att["url"], headers=agent["auth"])
    _assert_safe(got, "image/jpeg", "inline")
    assert got.data == photo


def test_failed_and_oversized_fetches_keep_the_row_and_say_why(client, world, inbox):
    agent = world.agent()
    inbox.settings["attachment_limits"] = Limits(max_bytes=10_000)
    with MediaStandIn(files={"big.jpg": ("image/jpeg", jpeg_bytes(2000, 2000))}) as cdn:
        cid = _meta_channel(inbox, world, cdn)
        for mid, path in (("m_gone", "gone.jpg"), ("m_big", "big.jpg"), ("m_flaky", "big.jpg")):
            headers, body = MetaStandIn.delivery(_image_dm(mid, cdn.url(path)), "app-secret")
            client.post(f"/api/channels/{cid}/webhook", data=body, headers=headers)
        cdn.fail_next(503, path="/big.jpg")  # the first fetch of big.jpg meets a 503
        assert attachments.fetch_due(inbox) == 3
    with inbox.read() as s:
        rows = {
            a.remote_url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Attachment).order_by(Attachment.id))
        }
        states = [
            (a.remote_url.rsplit("/", 1)[-1], a.state)
            for a in s.scalars(select(Attachment).order_by(Attachment.id))
        ]
    assert states == [("gone.jpg", "failed"), ("big.jpg", "pending"), ("big.jpg", "refused")]
    assert "404" in rows["gone.jpg"].last_error
    thread = _thread(client, agent, inbox)
    shown = thread["messages"][0]["attachments"][0]
    assert shown["state"] in ("failed", "pending", "refused") and shown["url"] is None


def test_same_file_twice_is_one_blob(world, inbox, tmp_path):
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    data = PDF
    msgs = [
        InboundMessage(
            "email",
            f"<dup{i}@x>",
            f"<dup{i}@x>",
            Author(f"a{i}@x", f"a{i}@x"),
            "invoice",
            _when(),
            attachments=(Media("file", f"copy{i}.pdf", "application/pdf", data=data),),
        )
        for i in range(2)
    ]
    ingest(inbox, ch["id"], msgs)
    with inbox.read() as s:
        keys = s.scalars(select(Attachment.sha256)).all()
    assert len(keys) == 2 and len(set(keys)) == 1
    files = [p for p in inbox.blobs.root.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == data


def _when():
    from datetime import UTC, datetime

    return datetime(2026, 3, 4, 10, 15, tzinfo=UTC)


def _email_conversation(world, inbox, smtp_port: int) -> int:
    settings = {
        "imap_host": "127.0.0.1",
        "username": "support@acme.example",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_starttls": False,
        "from_address": "support@acme.example",
        "timeout": 5.0,
    }
    ch, _ = create_channel(inbox, None, "email", "mail", settings, {"password": "x"}, world.team_id())
    mail = InboundMessage(
        "email",
        "<q1@example.com>",
        "<q1@example.com>",
        Author("dana@example.com", "dana@example.com", "Dana", email="dana@example.com"),
        "Can you send me the manual?",
        _when(),
        public=False,
        subject="Manual please",
    )
    result = ingest(inbox, ch["id"], [mail])
    return result.conversation_ids[0]


def test_reply_with_attachment_reaches_smtp_with_the_file_intact(client, world, inbox):
    agent = world.agent()
    manual = PDF * 3
    with SmtpSink() as sink:
        conv = _email_conversation(world, inbox, sink.port)
        up = client.post(
            f"/api/conversations/{conv}/attachments",
            data={"file": (io.BytesIO(manual), "manual v2.pdf", "application/pdf")},
            headers=agent["auth"],
            content_type="multipart/form-data",
        )
        assert up.status_code == 201, up.get_json()
        sent = client.post(
            f"/api/conversations/{conv}/replies",
            json={"text": "Here it is.", "attachment_ids": [up.get_json()["id"]]},
            headers=agent["auth"],
        )
        assert sent.status_code == 201 and sent.get_json()["attachments"][0]["name"] == "manual v2.pdf"
        outbox.deliver_due(inbox)
        assert len(sink.messages) == 1
        raw = sink.messages[0].content
    got = email.message_from_bytes(raw, policy=policy.default)
    parts = list(got.iter_attachments())
    assert [p.get_filename() for p in parts] == ["manual v2.pdf"]
    assert parts[0].get_content_type() == "application/pdf" and parts[0].get_content() == manual
    assert got.get_body(("plain",)).get_content().strip() == "Here it is."
    # the upload is now the reply's: it cannot be sent again with another reply
    again = client.post(
        f"/api/conversations/{conv}/replies",
        json={"text": "again", "attachment_ids": [up.get_json()["id"]]},
        headers=agent["auth"],
    )
    assert again.status_code == 400 and again.get_json()["error"]["field"] == "attachment_ids"


def test_upload_limits_refuse_with_413_and_415_and_store_nothing(client, world, inbox):
    agent = world.agent()
    inbox.settings["attachment_limits"] = Limits(max_bytes=2_000)
    with SmtpSink() as sink:
        conv = _email_conversation(world, inbox, sink.port)

    def up(data: bytes, name: str, ctype: str):
        return client.post(
            f"/api/conversations/{conv}/attachments",
            data={"file": (io.BytesIO(data), name, ctype)},
            headers=agent["auth"],
            content_type="multipart/form-data",
        )

    big = up(b"x" * 2_001, "big.pdf", "application/pdf")
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "too_large"
    exe = up(b"MZ" + b"\0" * 100, "setup.exe", "application/octet-stream")
    assert exe.status_code == 415 and exe.get_json()["error"]["field"] == "file"
    page = up(b"<script>alert(1)</script>", "page.html", "text/html")
    assert page.status_code == 415
    assert up(b"", "x.pdf", "application/pdf").status_code == 201  # the limit is on size and type only
    with inbox.read() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1
    missing = client.post(f"/api/conversations/{conv}/attachments", data={}, headers=agent["auth"])
    assert missing.status_code == 400


def test_refused_types_on_arrival_keep_a_row_and_active_types_are_never_inline(client, world, inbox):
    agent = world.agent("supervisor")
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    mail = InboundMessage(
        "email",
        "<m1@x>",
        "<m1@x>",
        Author("a@x", "a@x"),
        "files",
        _when(),
        attachments=(
            Media("file", "tool.exe", "application/octet-stream", data=b"MZ..."),
            Media("image", "logo.svg", "image/svg+xml", data=svg),
            Media("image", "fake.png", "image/png", data=b"<html><script>alert(1)</script></html>"),
        ),
    )
    ingest(inbox, ch["id"], [mail])
    files = {a["name"]: a for a in _thread(client, agent, inbox)["messages"][0]["attachments"]}
    assert files["tool.exe"]["state"] == "refused" and "not accepted" in files["tool.exe"]["error"]
    for name in ("logo.svg", "fake.png"):
        assert files[name]["thumbnail_url"] is None
        res = client.get(files[name]["url"], headers=agent["auth"])
        _assert_safe(res, "application/octet-stream", "attachment")


def test_attachments_are_checked_like_their_conversation(client, world, inbox):
    insider, outsider = world.agent(), world.agent(teams=("Billing",))
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    mail = InboundMessage(
        "email",
        "<p1@x>",
        "<p1@x>",
        Author("a@x", "a@x"),
        "see file",
        _when(),
        attachments=(Media("file", "private.pdf", "application/pdf", data=PDF),),
    )
    ingest(inbox, ch["id"], [mail])
    att = _thread(client, insider, inbox)["messages"][0]["attachments"][0]
    assert client.get(att["url"], headers=insider["auth"]).status_code == 200
    assert client.get(att["url"], headers=outsider["auth"]).status_code == 403
    assert client.get(att["url"]).status_code == 401
    assert client.get("/api/attachments/999999", headers=insider["auth"]).status_code == 404
    assert json.loads(client.get(att["url"] + "/thumbnail", headers=insider["auth"]).data)["error"]


def test_message_search_finds_attachment_file_names(client, world, inbox):
    agent = world.agent()
    ch, _ = create_channel(inbox, None, "webhook", "hook", {}, {}, world.team_id())
    mail = InboundMessage(
        "email",
        "<s1@x>",
        "<s1@x>",
        Author("a@x", "a@x"),
        "please see the scan",
        _when(),
        attachments=(Media("file", "Rechnung_4821 收據.pdf", "application/pdf", data=PDF),),
    )
    other = InboundMessage("email", "<s2@x>", "<s2@x>", Author("b@x", "b@x"), "nothing attached", _when())
    ingest(inbox, ch["id"], [mail, other])
    for q in ("rechnung 4821", "收據", "RECHNUNG_4821"):
        res = client.get("/api/search", query_string={"q": q}, headers=agent["auth"]).get_json()
        assert len(res["conversations"]) == 1, q
        snip = res["conversations"][0]["message"]["snippet"]
        assert any(seg["match"] for seg in snip) and "Rechnung_4821" in "".join(seg["text"] for seg in snip)
    none = client.get("/api/search", query_string={"q": "scan rechnung"}, headers=agent["auth"]).get_json()
    assert none["conversations"] == []  # every term in the text, or every term in one file's name


def test_telegram_reply_sends_files_with_the_text_as_caption(client, world, inbox):
    agent = world.agent()
    shot = png_bytes(300, 200)
    with TelegramMediaStandIn() as tg:
        tg.add_mentions(1, text="Can you send the return label?")
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
        conv = _thread(client, agent, inbox)["id"]
        ids = []
        for data, name, ctype in ((PDF, "label.pdf", "application/pdf"), (shot, "where.png", "image/png")):
            up = client.post(
                f"/api/conversations/{conv}/attachments",
                data={"file": (io.BytesIO(data), name, ctype)},
                headers=agent["auth"],
                content_type="multipart/form-data",
            )
            assert up.status_code == 201, up.get_json()
            ids.append(up.get_json()["id"])
        res = client.post(
            f"/api/conversations/{conv}/replies",
            json={"text": "Here is your label.", "attachment_ids": ids},
            headers=agent["auth"],
        )
        assert res.status_code == 201
        outbox.deliver_due(inbox)
        sent = list(tg.sent)
    assert [("document" in m, m.get("caption"), m.get("data")) for m in sent] == [
        (True, "Here is your label.", PDF),
        (False, None, shot),
    ]
    assert sent[0]["document"]["file_name"] == "label.pdf" and sent[1]["photo"]["mime_type"] == "image/png"
    (out,) = [m for m in _thread(client, agent, inbox)["messages"] if m["direction"] == "out"]
    assert [a["name"] for a in out["attachments"]] == ["label.pdf", "where.png"]
    delivery = out["delivery"]
    assert delivery["status"] == "sent" and delivery["external_id"] == f"5550001:{sent[0]['message_id']}"
