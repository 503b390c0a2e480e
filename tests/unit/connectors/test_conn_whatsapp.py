"""WhatsApp Cloud API: pywa's recorded updates replayed through the adapter; replies and templates."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from connectors.errors import PayloadError, PermanentError, SignatureError
from connectors.types import Attachment, OutboundReply
from connectors.whatsapp import WhatsAppConnector, render_template
from tests.standins.replay import RECORDED
from tests.standins.whatsapp import WhatsAppStandIn

SECRET = "wa-app-secret"


def connector(stand: WhatsAppStandIn | None = None) -> WhatsAppConnector:
    return WhatsAppConnector(
        {
            "base_url": stand.base_url if stand else "http://127.0.0.1:9",
            "phone_number_id": "1122334455667",
            "business_account_id": "5467539754836534",
            "timeout": 2.0,
        },
        {"app_secret": SECRET, "verify_token": "vt", "access_token": "wa-system-user-token"},
    )


def signed(payload: dict) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }, body


def pywa(name: str) -> dict:
    return json.loads((RECORDED / f"whatsapp/{name}").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("case", "text", "kinds"),
    [
        ("text", "Body Text", []),
        ("image", "", ["image"]),
        ("video", "caption", ["video"]),
        ("document", "caption", ["file"]),
        ("audio", "", ["audio"]),
        ("voice", "", ["audio"]),
        ("static_sticker", "", ["sticker"]),
        ("reaction", "\U0001f62e", []),
        ("current_location", "", ["link"]),
        ("chosen_location", "Facebook HQ\n1 Hacker Way, Menlo Park, CA 94025", ["link"]),
        (
            "contacts",
            "Chandler Bing +1 555-555-5555\nMonica +1 666-666-6666\nRachel Green +1 777-777-7777",
            [],
        ),
        ("reply", "replied text", []),
    ],
)
def test_pywa_recorded_messages(case, text, kinds):
    """pywa tests/data/updates/message.json, each case through the adapter."""
    (msg,) = connector().parse_delivery(*signed(pywa("pywa_message.json")[case])).messages
    assert (msg.text, [a.kind for a in msg.attachments]) == (text, kinds)
    assert msg.thread_key == "wa:972987654321" and msg.author.display_name == "Test Name"
    assert msg.author.phone == "+972987654321" and not msg.public and msg.external_id.startswith("wamid.")
    if case == "reaction":
        assert msg.in_reply_to == "wamid.yzxyzx="
    if case == "document":
        assert (msg.attachments[0].name, msg.attachments[0].content_type) == (
            "filename.pdf",
            "application/pdf",
        )
    if case == "voice":
        assert msg.attachments[0].content_type == "audio/ogg"


def test_pywa_recorded_interactive_replies():
    cases = json.loads((RECORDED / "whatsapp/pywa_callback_button.json").read_text(encoding="utf-8"))
    (msg,) = connector().parse_delivery(*signed(cases["button"])).messages
    assert msg.text == "title" and msg.in_reply_to == "wamid.xyzxyz"


@pytest.mark.parametrize("state", ["sent", "delivered", "read", "failed"])
def test_pywa_recorded_statuses(state):
    delivery = connector().parse_delivery(*signed(pywa("pywa_message_status.json")[state]))
    assert delivery.messages == ()
    (st,) = delivery.statuses
    assert (st.external_id, st.state) == ("wamid.xyzxyz", state)
    if state == "failed":
        assert (
            st.error
            == "130472: Failed to send message because this user's phone number is part of an experiment"
        )
    else:
        assert st.error is None


def test_whatsapp_bad_signature_and_shapes():
    headers, body = signed(pywa("pywa_message.json")["text"])
    with pytest.raises(SignatureError):
        connector().parse_delivery({"X-Hub-Signature-256": "sha256=00"}, body)
    with pytest.raises(SignatureError):
        connector().parse_delivery({}, body)
    with pytest.raises(PayloadError):
        connector().parse_delivery(*signed({"object": "page", "entry": []}))


def test_whatsapp_handshake():
    c = connector()
    assert (
        c.verify_subscription({"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"})
        == "42"
    )
    with pytest.raises(SignatureError):
        c.verify_subscription({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"})


def test_whatsapp_text_inside_the_window_and_template_outside():
    now = [1_800_000_000.0]
    with WhatsAppStandIn(clock=lambda: now[0]) as stand:
        c = connector(stand)
        stand.message(wa_id="66812345678")
        wamid = c.send_reply(OutboundReply("whatsapp", "wa:66812345678", "พรุ่งนี้ถึงค่ะ", public=False))
        assert wamid.startswith("wamid.") and stand.sent[-1]["text"]["body"] == "พรุ่งนี้ถึงค่ะ"
        now[0] += 25 * 3600
        with pytest.raises(PermanentError, match="131047"):
            c.send_reply(OutboundReply("whatsapp", "wa:66812345678", "late", public=False))
        template = json.dumps({"name": "order_update", "language": "th", "variables": ["A-1001", "จัดส่งแล้ว"]})
        assert c.send_reply(
            OutboundReply("whatsapp", "wa:66812345678", "x", public=False, metadata={"template": template})
        )
        sent = stand.sent[-1]["template"]
        assert sent["name"] == "order_update" and sent["language"] == {"code": "th"}
        assert [p["text"] for p in sent["components"][0]["parameters"]] == ["A-1001", "จัดส่งแล้ว"]


def test_whatsapp_lists_only_approved_templates_with_their_variables():
    with WhatsAppStandIn() as stand:
        templates = connector(stand).templates()
    assert [t["name"] for t in templates] == ["order_update", "follow_up"]
    assert templates[0]["variables"] == ["1", "2"]
    assert render_template(
        {"components": [{"type": "BODY", "text": templates[0]["body"]}]}, ["A-1", "ok"]
    ) == ("คำสั่งซื้อ A-1 ของคุณ: ok")


def test_whatsapp_media_is_looked_up_then_downloaded_with_the_token():
    with WhatsAppStandIn() as stand:
        stand.media["65463453"] = (b"\xff\xd8img", "image/jpeg")
        data, ctype = connector(stand).fetch_media(Attachment(kind="image", ref="65463453"), 1000)
    assert (data, ctype) == (b"\xff\xd8img", "image/jpeg")
