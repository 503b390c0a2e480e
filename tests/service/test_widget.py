"""The website chat widget through HTTP and Socket.IO, on both databases: a visitor reaches only their
own conversation, every message is stored once, verified users land on their customer, and replies and
typing travel live both ways."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.widget import identity_hash, visitor_token
from inbox.channels.accounts import create_channel
from inbox.store.errors import Invalid
from inbox.store.models import Conversation, Customer, Message
from tests.service.conftest import message, wait_for
from web.extensions import socketio

ORIGIN = "https://shop.example"


def widget_channel(world, **settings: Any) -> tuple[int, str]:
    channel, generated = create_channel(
        world.inbox,
        None,
        "widget",
        "Website",
        {"allowed_origins": [ORIGIN], "display_name": "Shop Help", "prechat": "none", **settings},
        {},
        world.team_id(),
    )
    return channel["id"], generated["identity_secret"]


def session(client, channel: int, token: str | None = None, **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/widget/{channel}/api/session", json=body, headers=headers)


def say(client, channel: int, token: str, client_id: str, text: str, **extra: Any) -> Any:
    return client.post(
        f"/widget/{channel}/api/messages",
        json={"client_id": client_id, "text": text, **extra},
        headers={"Authorization": f"Bearer {token}"},
    )


def stored(inbox, channel: int) -> int:
    with inbox.read() as s:
        return s.scalar(
            select(func.count()).select_from(Message).where(Message.channel_account_id == channel)
        )


def test_a_visitor_message_is_stored_once_however_often_it_is_sent(world, inbox, client):
    channel, _ = widget_channel(world)
    start = session(client, channel)
    assert start.status_code == 200, start.get_json()
    token = start.get_json()["token"]
    assert start.get_json()["config"] == {
        "display_name": "Shop Help",
        "colour": "#2563eb",
        "prechat": "none",
        "greeting": "",
        "open": True,
        "verification": True,
    }
    for _ in range(3):
        res = say(client, channel, token, "client-msg-0001", "สวัสดีค่ะ สินค้ายังไม่มาถึงเลย รอมาสองอาทิตย์แล้ว")
        assert res.status_code == 201, res.get_json()
    assert stored(inbox, channel) == 1
    with inbox.read() as s:
        msg = s.scalar(select(Message).where(Message.channel_account_id == channel))
        assert msg.language == "th" and msg.sentiment_label is not None
        conv = s.get(Conversation, msg.conversation_id)
        assert conv.channel == "widget" and not conv.public and conv.team_id == world.team_id()
    again = session(client, channel, token).get_json()  # a returning visitor keeps their history
    assert again["token"] == token and [m["text"] for m in again["messages"]] == [msg.text]


def test_a_visitor_cannot_reach_another_visitors_conversation(world, inbox, client):
    channel, _ = widget_channel(world)
    other_channel, _ = widget_channel(world)
    first = session(client, channel).get_json()["token"]
    assert say(client, channel, first, "first-visitor-1", "my order number is 4411").status_code == 201
    second = session(client, channel).get_json()["token"]
    assert second != first
    assert client.get(
        f"/widget/{channel}/api/messages", headers={"Authorization": f"Bearer {second}"}
    ).get_json() == {"messages": []}
    first_visitor = first.rsplit(".", 1)[0]
    for forged in (
        first_visitor + ".0000000000000000000000000000000000000000",  # the id without Murmur's signature
        first_visitor,
        visitor_token("not-the-secret-key", channel, first_visitor),
        "",
    ):
        res = client.get(f"/widget/{channel}/api/messages", headers={"Authorization": f"Bearer {forged}"})
        assert res.status_code == 401 and res.get_json()["error"]["code"] == "bad_signature"
    # a token is good for its own widget only, and no other channel answers as a widget
    assert (
        client.get(
            f"/widget/{other_channel}/api/messages", headers={"Authorization": f"Bearer {first}"}
        ).status_code
        == 401
    )
    hook, _ = world.webhook_channel()
    assert session(client, hook).status_code == 404
    assert client.get(f"/widget/{hook}/frame").status_code == 404
    assert stored(inbox, channel) == 1


def test_the_visitor_sees_replies_under_the_widgets_name_and_never_notes(world, inbox, client):
    agent = world.agent()
    channel, _ = widget_channel(world)
    token = session(client, channel).get_json()["token"]
    conv_id = say(client, channel, token, "visitor-msg-01", "Do you ship to Chiang Mai?").get_json()[
        "message"
    ]
    with inbox.read() as s:
        conv_id = s.scalar(select(Conversation.id).where(Conversation.channel_account_id == channel))
    note = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "internal: VIP, check stock", "private": True},
        headers=agent["auth"],
    )
    reply = client.post(
        f"/api/conversations/{conv_id}/replies", json={"text": "Yes, in 2 days."}, headers=agent["auth"]
    )
    assert note.status_code == 201 and reply.status_code == 201, (note.get_json(), reply.get_json())
    seen = client.get(
        f"/widget/{channel}/api/messages", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert [(m["from"], m["name"], m["text"]) for m in seen["messages"]] == [
        ("visitor", None, "Do you ship to Chiang Mai?"),
        ("agent", "Shop Help", "Yes, in 2 days."),
    ]
    body = str(seen)
    assert "internal" not in body and "Agent 1" not in body and "author_agent_id" not in body


def test_a_verified_user_lands_on_their_existing_customer(world, inbox, client, post_webhook):
    channel, secret = widget_channel(world)
    hook, hook_secret = world.webhook_channel()
    known = message("order-q-1", "where is my parcel?", author="c-77")
    known["author"]["email"] = "ploy@example.com"
    assert post_webhook(hook, hook_secret, known).status_code == 200
    with inbox.read() as s:
        customer = s.scalar(select(Customer.id).where(Customer.email == "ploy@example.com"))

    bad = session(client, channel, user_id="user-9", user_hash="0" * 64, email="ploy@example.com")
    assert bad.status_code == 401
    good = session(
        client, channel, user_id="user-9", user_hash=identity_hash(secret, "user-9"), email="Ploy@example.com"
    )
    assert good.status_code == 200 and good.get_json()["verified"] is True
    token = good.get_json()["token"]
    assert say(client, channel, token, "verified-msg-1", "still waiting for it").status_code == 201
    with inbox.read() as s:
        conv = s.scalar(select(Conversation).where(Conversation.channel_account_id == channel))
        assert conv.customer_id == customer
    # the same user on another device gets the same conversation
    again = session(client, channel, user_id="user-9", user_hash=identity_hash(secret, "user-9")).get_json()
    assert again["token"] == token and len(again["messages"]) == 1


def test_the_prechat_form_and_office_hours_ask_for_an_email(world, inbox, client, clock):
    asks, _ = widget_channel(world, prechat="email")
    token = session(client, asks).get_json()["token"]
    res = say(client, asks, token, "no-email-msg-1", "hello")
    assert res.status_code == 400 and res.get_json()["error"]["field"] == "email"
    assert say(client, asks, token, "with-email-msg-1", "hello", email="a@example.com").status_code == 201

    closed, _ = widget_channel(world, hours={"timezone": "Asia/Bangkok", "days": {}})
    start = session(client, closed).get_json()
    assert start["config"]["open"] is False
    res = say(client, closed, start["token"], "away-msg-000001", "anyone there?")
    assert res.status_code == 400 and "away" in res.get_json()["error"]["message"]
    assert stored(inbox, asks) == 1 and stored(inbox, closed) == 0


def test_bad_widget_settings_are_refused_with_the_field(world):
    for settings, field in (
        ({"allowed_origins": ["javascript:alert(1)"]}, "settings.allowed_origins"),
        ({"allowed_origins": []}, "settings.allowed_origins"),
        ({"allowed_origins": [ORIGIN], "colour": "red; background:url(x)"}, "settings.colour"),
        (
            {"allowed_origins": [ORIGIN], "hours": {"timezone": "Mars/Olympus", "days": {}}},
            "settings.hours.timezone",
        ),
    ):
        with pytest.raises(Invalid) as err:
            create_channel(world.inbox, None, "widget", "Bad", settings, {}, None)
        assert err.value.field == field


def test_the_frame_may_be_shown_only_on_allowed_origins(world, client):
    channel, _ = widget_channel(
        world, allowed_origins=["https://Shop.Example:443/any/path", "http://localhost:8080"]
    )
    res = client.get(f"/widget/{channel}/frame?lang=th")
    assert res.status_code == 200
    csp = res.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example http://localhost:8080" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert 'lang="th-TH"' in res.get_data(as_text=True)
    assert client.get("/widget/loader.js").status_code == 200


def test_a_visitor_is_rate_limited(world, client):
    channel, _ = widget_channel(world)
    token = session(client, channel).get_json()["token"]
    codes = [
        say(client, channel, token, f"burst-message-{i:03d}", f"message {i}").status_code for i in range(21)
    ]
    assert codes[:20] == [201] * 20 and codes[20] == 429


def test_replies_and_typing_travel_live_both_ways(world, inbox, app, client):
    agent = world.agent()
    channel, _ = widget_channel(world)
    token = session(client, channel).get_json()["token"]
    say(client, channel, token, "live-msg-000001", "is anyone there?")
    with inbox.read() as s:
        conv_id = s.scalar(select(Conversation.id).where(Conversation.channel_account_id == channel))

    intruder = socketio.test_client(app, namespace="/widget", auth={"channel": channel, "token": token + "x"})
    assert not intruder.is_connected("/widget")
    visitor = socketio.test_client(app, namespace="/widget", auth={"channel": channel, "token": token})
    other = socketio.test_client(
        app,
        namespace="/widget",
        auth={"channel": channel, "token": session(client, channel).get_json()["token"]},
    )
    staff = socketio.test_client(app, auth={"token": agent["token"]})
    assert visitor.is_connected("/widget") and staff.is_connected()
    staff.emit("join_conversation", {"conversation_id": conv_id}, callback=True)

    visitor.emit("typing", {"active": True}, namespace="/widget")
    typing = wait_for(staff, "typing")
    assert typing == {"conversation_id": conv_id, "visitor": True, "active": True}

    staff.emit("typing", {"conversation_id": conv_id, "active": True})
    client.post(
        f"/api/conversations/{conv_id}/replies", json={"text": "Here, how can I help?"}, headers=agent["auth"]
    )
    got = [p for p in visitor.get_received("/widget")]
    names = [p["name"] for p in got]
    assert "typing" in names and "message" in names
    reply = next(p["args"] for p in got if p["name"] == "message")
    reply = reply[0] if isinstance(reply, list) else reply  # one argument: the test client unwraps it
    assert (
        reply["from"] == "agent"
        and reply["text"] == "Here, how can I help?"
        and "author_agent_id" not in reply
    )
    assert other.get_received("/widget") == []  # another visitor hears nothing of it
    visitor.disconnect(namespace="/widget")
    other.disconnect(namespace="/widget")
    staff.disconnect()


def test_a_reply_the_visitor_did_not_see_is_mailed_once(world, inbox, client, clock):
    from email import message_from_bytes, policy

    from inbox.admin.invite_mail import Smtp
    from inbox.channels.widget_followup import follow_up
    from tests.standins.mail import SmtpSink

    agent = world.agent()
    channel, _ = widget_channel(world, prechat="email")
    gone = session(client, channel).get_json()["token"]
    stays = session(client, channel).get_json()["token"]
    say(client, channel, gone, "left-visitor-01", "ยังรออยู่นะคะ", email="nok@example.com")
    say(client, channel, stays, "stay-visitor-01", "still here", email="stay@example.com")
    with inbox.read() as s:
        convs = dict(
            s.execute(
                select(Conversation.thread_key, Conversation.id).where(
                    Conversation.channel_account_id == channel
                )
            ).all()
        )
    replies = {}
    for token in (gone, stays):
        conv = convs[token.rsplit(".", 1)[0]]
        res = client.post(
            f"/api/conversations/{conv}/replies", json={"text": f"ได้รับแล้วค่ะ #{conv}"}, headers=agent["auth"]
        )
        replies[token] = res.get_json()["id"]
    # the visitor who stayed had the reply on screen; their chat says so
    seen = client.post(
        f"/widget/{channel}/api/seen",
        json={"message_id": replies[stays]},
        headers={"Authorization": f"Bearer {stays}"},
    )
    assert seen.status_code == 204
    assert (
        client.post(
            f"/widget/{channel}/api/seen",
            json={"message_id": "x"},
            headers={"Authorization": f"Bearer {stays}"},
        ).status_code
        == 400
    )

    with SmtpSink() as sink:
        inbox.settings["smtp"] = Smtp("127.0.0.1", sink.port, "help@shop.example")
        assert follow_up(inbox) == 0  # too soon: the visitor may still be reading
        clock.advance(minutes=3)
        assert follow_up(inbox) == 1
        assert follow_up(inbox) == 0  # once
        assert [m.rcpt_tos for m in sink.messages] == [["nok@example.com"]]
        mail = message_from_bytes(sink.messages[0].content, policy=policy.default)
        # the visitor wrote Thai: the mail is in Thai (subject and the words around the replies)
        assert mail["Subject"] == "Shop Help: มีคำตอบในแชตของคุณ" and mail["Content-Language"] == "th-TH"
        assert f"ได้รับแล้วค่ะ #{convs[gone.rsplit('.', 1)[0]]}" in mail.get_content()
        assert "ตอบแชตนี้ได้ที่เว็บไซต์ของเรา" in mail.get_content()
        # a second reply later is mailed on its own, not with the first again
        conv = convs[gone.rsplit(".", 1)[0]]
        client.post(f"/api/conversations/{conv}/replies", json={"text": "พัสดุส่งแล้วค่ะ"}, headers=agent["auth"])
        clock.advance(minutes=3)
        assert follow_up(inbox) == 1
        last = message_from_bytes(sink.messages[-1].content, policy=policy.default).get_content()
        assert "พัสดุส่งแล้วค่ะ" in last and "ได้รับแล้วค่ะ" not in last
    inbox.settings.pop("smtp")


def test_a_failed_follow_up_is_tried_again(world, inbox, client, clock):
    from inbox.admin.invite_mail import Smtp
    from inbox.channels.widget_followup import follow_up
    from tests.standins.mail import SmtpSink, free_port

    agent = world.agent()
    channel, _ = widget_channel(world, prechat="email")
    token = session(client, channel).get_json()["token"]
    say(client, channel, token, "retry-visitor-1", "hello?", email="r@example.com")
    with inbox.read() as s:
        conv = s.scalar(select(Conversation.id).where(Conversation.channel_account_id == channel))
    client.post(f"/api/conversations/{conv}/replies", json={"text": "Hi! Here now."}, headers=agent["auth"])
    clock.advance(minutes=3)
    inbox.settings["smtp"] = Smtp("127.0.0.1", free_port(), "help@shop.example", timeout=2)  # nobody listens
    assert follow_up(inbox) == 0
    with SmtpSink() as sink:
        inbox.settings["smtp"] = Smtp("127.0.0.1", sink.port, "help@shop.example")
        assert follow_up(inbox) == 1 and len(sink.messages) == 1
    inbox.settings.pop("smtp")


def test_a_rules_canned_reply_reaches_the_visitor_live(world, inbox, app, client):
    """A reply Murmur makes itself is announced like an agent's: the visitor's socket gets it."""
    from inbox.store.models import CannedResponse

    sup = world.agent("supervisor")
    with inbox.unit_of_work() as uow:
        uow.session.add(CannedResponse(shortcut="hello", text="Thanks, we are on it."))
        uow.session.flush()
        canned_id = uow.session.scalar(select(CannedResponse.id).where(CannedResponse.shortcut == "hello"))
    rule = {
        "name": "greet",
        "trigger": "message.created",
        "conditions": [{"field": "message.text", "op": "contains", "value": "parcel"}],
        "actions": [{"type": "send_canned", "canned_id": canned_id}],
    }
    assert client.post("/api/rules", json=rule, headers=sup["auth"]).status_code == 201
    channel, _ = widget_channel(world)
    token = session(client, channel).get_json()["token"]
    visitor = socketio.test_client(app, namespace="/widget", auth={"channel": channel, "token": token})
    assert visitor.is_connected("/widget")
    assert say(client, channel, token, "parcel-msg-0001", "where is my parcel?").status_code == 201
    got = [p["args"] for p in visitor.get_received("/widget") if p["name"] == "message"]
    replies = [a[0] if isinstance(a, list) else a for a in got]
    assert [(r["from"], r["text"], r["name"]) for r in replies] == [("agent", "Thanks, we are on it.", None)]
    visitor.disconnect(namespace="/widget")
