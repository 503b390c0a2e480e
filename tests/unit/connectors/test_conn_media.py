"""connectors.media: each network's documented media shapes become attachments; downloads stop
at the size limit. Payloads are the shapes the networks' API references print."""

from __future__ import annotations

from email.message import EmailMessage

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.bluesky import parse_notification as bluesky_notification
from connectors.email import parse_message
from connectors.errors import PermanentError, TransientError
from connectors.mastodon import parse_notification as mastodon_notification
from connectors.media import TooLarge, download, reddit_attachments
from connectors.meta import parse_events
from connectors.telegram import parse_update
from connectors.x import parse_page
from tests.standins.media import MediaStandIn


def test_meta_image_dm_is_an_attachment_not_the_word_image():
    body = {
        "object": "page",
        "entry": [
            {
                "id": "1",
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "77"},
                        "recipient": {"id": "1"},
                        "timestamp": 1772619329000,
                        "message": {
                            "mid": "m_1",
                            "attachments": [
                                {
                                    "type": "image",
                                    "payload": {"url": "https://scontent.example/v/a/b/123_n.jpg?x=1"},
                                },
                                {
                                    "type": "image",
                                    "payload": {
                                        "url": "https://scontent.example/s.png",
                                        "sticker_id": 369239263222822,
                                    },
                                },
                                {
                                    "type": "file",
                                    "payload": {"url": "https://cdn.fbsbx.example/v/t59/Invoice.pdf?dl=1"},
                                },
                                {
                                    "type": "fallback",
                                    "title": "Our shop",
                                    "payload": {"url": "https://shop.example/p/1"},
                                },
                            ],
                        },
                    }
                ],
            }
        ],
    }
    (msg,) = parse_events(body)
    assert msg.text == ""
    assert [(a.kind, a.name) for a in msg.attachments] == [
        ("image", "123_n.jpg"),
        ("sticker", "s.png"),
        ("file", "Invoice.pdf"),
        ("link", "Our shop"),
    ]
    assert msg.attachments[0].url.endswith("?x=1") and msg.attachments[2].content_type == "application/pdf"


def test_telegram_photo_document_and_sticker():
    base = {
        "message_id": 9,
        "date": 1,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "first_name": "D"},
    }
    photo = parse_update(
        {
            "update_id": 1,
            "message": {
                **base,
                "caption": "broken",
                "photo": [
                    {"file_id": "small", "file_unique_id": "a", "file_size": 1000, "width": 90, "height": 90},
                    {
                        "file_id": "big",
                        "file_unique_id": "b",
                        "file_size": 90000,
                        "width": 1280,
                        "height": 1280,
                    },
                ],
            },
        }
    )
    assert photo.text == "broken"
    assert [(a.kind, a.ref, a.size) for a in photo.attachments] == [("image", "big", 90000)]
    doc = parse_update(
        {
            "update_id": 2,
            "message": {
                **base,
                "document": {
                    "file_id": "d1",
                    "file_unique_id": "u",
                    "file_name": "收据.pdf",
                    "mime_type": "application/pdf",
                    "file_size": 5,
                },
            },
        }
    )
    assert [(a.kind, a.name, a.content_type) for a in doc.attachments] == [
        ("file", "收据.pdf", "application/pdf")
    ]
    sticker = parse_update(
        {
            "update_id": 3,
            "message": {
                **base,
                "sticker": {
                    "file_id": "st",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "😡",
                },
            },
        }
    )
    assert [(a.kind, a.content_type, a.ref) for a in sticker.attachments] == [("sticker", "image/webp", "st")]


def test_mastodon_media_attachments():
    n = {
        "id": "1",
        "type": "mention",
        "created_at": "2026-03-04T10:00:00.000Z",
        "account": {"id": "9", "acct": "dana@example.social"},
        "status": {
            "id": "111",
            "created_at": "2026-03-04T10:00:00.000Z",
            "visibility": "public",
            "content": "<p>look</p>",
            "account": {"id": "9", "acct": "dana@example.social"},
            "media_attachments": [
                {
                    "id": "22",
                    "type": "image",
                    "url": "https://files.example/media_attachments/files/022/original/abc.png",
                    "preview_url": "https://files.example/small/abc.png",
                    "remote_url": None,
                },
                {"id": "23", "type": "gifv", "url": "https://files.example/original/def.mp4"},
                {"id": "24", "type": "unknown", "url": None, "remote_url": "https://remote.example/x.bin"},
            ],
        },
    }
    msg = mastodon_notification(n)
    assert [(a.kind, a.name) for a in msg.attachments] == [
        ("image", "abc.png"),
        ("video", "def.mp4"),
        ("file", "x.bin"),
    ]


def test_bluesky_images_embed_fetched_with_getblob():
    did = "did:plc:abc123"
    note = {
        "uri": f"at://{did}/app.bsky.feed.post/3k1",
        "cid": "bafy",
        "author": {"did": did, "handle": "dana.bsky.social"},
        "reason": "mention",
        "indexedAt": "2026-03-04T10:00:00.000Z",
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "@brand broken",
            "createdAt": "2026-03-04T10:00:00.000Z",
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": "crack",
                        "image": {
                            "$type": "blob",
                            "ref": {"$link": "bafkreibxyz"},
                            "mimeType": "image/jpeg",
                            "size": 345678,
                        },
                    }
                ],
            },
        },
    }
    (att,) = bluesky_notification(note, {}).attachments
    assert att.kind == "image" and att.size == 345678 and att.content_type == "image/jpeg"
    assert att.url == f"/xrpc/com.atproto.sync.getBlob?did={did}&cid=bafkreibxyz"


def test_x_media_expansion_photo_and_video():
    body = {
        "data": [
            {
                "id": "1",
                "text": "@brand see",
                "author_id": "9",
                "created_at": "2026-03-04T10:00:00.000Z",
                "attachments": {"media_keys": ["3_1", "7_2"]},
            }
        ],
        "includes": {
            "users": [{"id": "9", "username": "dana", "name": "Dana"}],
            "media": [
                {"media_key": "3_1", "type": "photo", "url": "https://pbs.twimg.example/media/FxYz.jpg"},
                {
                    "media_key": "7_2",
                    "type": "video",
                    "preview_image_url": "https://pbs.twimg.example/thumb.jpg",
                    "variants": [
                        {"content_type": "application/x-mpegURL", "url": "https://video.example/pl.m3u8"},
                        {
                            "content_type": "video/mp4",
                            "bit_rate": 256000,
                            "url": "https://video.example/low.mp4",
                        },
                        {
                            "content_type": "video/mp4",
                            "bit_rate": 2176000,
                            "url": "https://video.example/high.mp4",
                        },
                    ],
                },
            ],
        },
    }
    (msg,), _ = parse_page(body)
    assert [(a.kind, a.url) for a in msg.attachments] == [
        ("image", "https://pbs.twimg.example/media/FxYz.jpg"),
        ("video", "https://video.example/high.mp4"),
    ]


def test_reddit_media_metadata_and_image_links():
    d = {
        "body": "broken on arrival https://i.redd.it/abc123.jpg and https://example.com/not-an-image",
        "media_metadata": {
            "xyz": {
                "status": "valid",
                "e": "Image",
                "m": "image/png",
                "s": {"u": "https://preview.redd.it/xyz.png?width=640&amp;s=1", "x": 640, "y": 480},
            }
        },
    }
    got = [(a.kind, a.url) for a in reddit_attachments(d)]
    assert got == [
        ("image", "https://preview.redd.it/xyz.png?width=640&amp;s=1"),
        ("image", "https://i.redd.it/abc123.jpg"),
    ]


_NAMES = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="/\\"),
    min_size=1,
    max_size=40,
).filter(lambda s: s == s.strip() and " " * 2 not in s)


@settings(max_examples=40, deadline=None)
@given(name=_NAMES, data=st.binary(max_size=2000))
def test_email_attachment_names_and_bytes_survive_any_encoding(name, data):
    """Any file name (Chinese, Thai, emoji: RFC 2231 encoded) and any bytes come back as sent."""
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "a@example.com", "x", "<h@x>"
    msg["Date"] = "Wed, 04 Mar 2026 10:15:29 +0000"
    msg.set_content("body")
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    (att,) = parse_message(msg.as_bytes()).attachments
    assert att.data == data and att.size == len(data)
    assert att.name == name


def test_email_in_big5_with_a_quoted_printable_text_attachment():
    raw = (
        b"From: =?big5?B?s6+kcA==?= <chen@example.tw>\r\n"
        b"Subject: =?big5?B?sGWzZqT3pc4=?=\r\n"
        b"Message-ID: <big5@x>\r\nDate: Wed, 04 Mar 2026 10:15:29 +0000\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"p9qquqVdr8ykd6hspUykRqFD\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E6%94%B6%E6%93%9A.txt\r\n\r\n"
        b"=E8=A8=82=E5=96=AE 4821\r\n--b--\r\n"
    )
    msg = parse_message(raw)
    (att,) = msg.attachments
    assert att.name == "收據.txt" and att.data.decode().strip() == "訂單 4821" and att.kind == "file"


def test_download_stops_at_the_limit_and_maps_errors():
    with MediaStandIn(files={"a.bin": ("application/octet-stream", b"x" * 5000)}) as cdn:
        client = httpx.Client()
        data, ctype = download(client, cdn.url("a.bin"), 5000)
        assert len(data) == 5000 and ctype == "application/octet-stream"
        with pytest.raises(TooLarge):
            download(client, cdn.url("a.bin"), 4999)
        with pytest.raises(PermanentError):
            download(client, cdn.url("missing.bin"), 5000)
        cdn.fail_next(503)
        with pytest.raises(TransientError):
            download(client, cdn.url("a.bin"), 5000)
        gone = cdn.url("a.bin")
    with pytest.raises(TransientError):
        download(httpx.Client(), gone, 5000)  # the server is gone
