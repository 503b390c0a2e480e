"""@mentions in private notes reach the mentioned agent's socket, and only agents who may see the note."""

from __future__ import annotations

from sqlalchemy import select

from inbox.admin.agents import create_agent, create_token
from inbox.conversations.mentions import parse_mentions
from inbox.store.models import Message
from tests.service.conftest import PASSWORD, message, sio_client, wait_for


def test_parse_mentions():
    assert parse_mentions("@Mei please look, cc @bob.smith. thanks @mei") == ["mei", "bob.smith"]
    assert parse_mentions("mail mei@example.com or @@x") == []
    assert parse_mentions("(@somchai) @สมชาย") == ["somchai", "สมชาย"]


def _agent(inbox, email, name, teams):
    agent_id = create_agent(inbox, email, PASSWORD, "agent", name, list(teams), None)
    token = create_token(inbox, email)
    return {"id": agent_id, "token": token, "auth": {"Authorization": f"Bearer {token}"}}


def _conversation(client, world, post_webhook, auth):
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1", "My parcel is lost", author="cust"))
    return client.get("/api/conversations", headers=auth).get_json()["conversations"][0]["id"]


def test_mention_notifies_the_other_agent_live(app, client, inbox, world, post_webhook):
    writer = _agent(inbox, "dana@example.com", "Dana Ross", ["Support"])
    mei = _agent(inbox, "mei.lin@example.com", "Mei Lin", ["Support"])
    bystander = _agent(inbox, "kai@example.com", "Kai Moana", ["Support"])
    conv_id = _conversation(client, world, post_webhook, writer["auth"])
    mei_sio, by_sio, writer_sio = (sio_client(app, a["token"]) for a in (mei, bystander, writer))
    for c in (mei_sio, by_sio, writer_sio):
        c.get_received()

    res = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "@Mei can you call the courier? (@dana is me)", "private": True},
        headers=writer["auth"],
    )
    assert res.status_code == 201
    note = res.get_json()
    assert note["direction"] == "note"
    assert note["mentions"] == [{"agent_id": mei["id"], "handle": "mei", "name": "Mei Lin"}]

    got = wait_for(mei_sio, "notification")
    assert got["kind"] == "mention" and got["conversation_id"] == conv_id
    assert got["note"]["text"].startswith("@Mei can you call")
    assert got["by"] == {"id": writer["id"], "name": "Dana Ross"}
    assert not [p for p in by_sio.get_received() if p["name"] == "notification"]
    assert not [p for p in writer_sio.get_received() if p["name"] == "notification"]
    with inbox.read() as s:
        stored = s.scalar(select(Message).where(Message.id == note["id"]))
        assert stored.mentions == note["mentions"]


def test_every_name_form_and_nobody_outside_the_team(app, client, inbox, world, post_webhook):
    writer = _agent(inbox, "dana@example.com", "Dana Ross", ["Support"])
    mei = _agent(inbox, "mlin@example.com", "Mei Lin", ["Support"])
    outsider = _agent(inbox, "bill@example.com", "Bill Payer", ["Billing"])
    conv_id = _conversation(client, world, post_webhook, writer["auth"])
    out_sio = sio_client(app, outsider["token"])
    out_sio.get_received()
    for text in ("@mlin", "@MeiLin", "@mei.lin", "@mei_lin", "@Mei"):
        res = client.post(
            f"/api/conversations/{conv_id}/replies",
            json={"text": f"{text} see this", "private": True},
            headers=writer["auth"],
        )
        assert [m["agent_id"] for m in res.get_json()["mentions"]] == [mei["id"]], text
    res = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "@bill FYI, @nobody", "private": True},
        headers=writer["auth"],
    )
    body = res.get_json()
    assert body["mentions"] == [] and body["unreachable"] == ["bill"]
    assert not [p for p in out_sio.get_received() if p["name"] == "notification"]


def test_public_replies_do_not_notify(app, client, inbox, world, post_webhook):
    writer = _agent(inbox, "dana@example.com", "Dana Ross", ["Support"])
    mei = _agent(inbox, "mei@example.com", "Mei Lin", ["Support"])
    conv_id = _conversation(client, world, post_webhook, writer["auth"])
    mei_sio = sio_client(app, mei["token"])
    mei_sio.get_received()
    res = client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "Thanks @mei for waiting"},
        headers=writer["auth"],
    )
    assert res.status_code == 201 and res.get_json()["mentions"] == []
    assert not [p for p in mei_sio.get_received() if p["name"] == "notification"]


def test_mentions_show_in_the_conversation_view(client, inbox, world, post_webhook):
    writer = _agent(inbox, "dana@example.com", "Dana Ross", ["Support"])
    _agent(inbox, "mei@example.com", "Mei Lin", ["Support"])
    conv_id = _conversation(client, world, post_webhook, writer["auth"])
    client.post(
        f"/api/conversations/{conv_id}/replies",
        json={"text": "@mei can you take this?", "private": True},
        headers=writer["auth"],
    )
    notes = [
        m
        for m in client.get(f"/api/conversations/{conv_id}", headers=writer["auth"]).get_json()["messages"]
        if m["direction"] == "note"
    ]
    assert [x["handle"] for x in notes[0]["mentions"]] == ["mei"]
