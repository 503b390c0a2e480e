"""Socket.IO: authenticated rooms, events after commit, presence, collision hints."""

from __future__ import annotations

import pytest

from tests.service.conftest import message, sio_client, wait_for
from web.extensions import socketio


def test_unauthenticated_socket_is_refused(app):
    client = socketio.test_client(app, auth={"token": "nope"})
    assert not client.is_connected()


def test_team_member_hears_new_message_outsider_does_not(app, world, post_webhook):
    member = world.agent(online=True)
    outsider = world.agent(teams=("Billing",))
    channel_id, secret = world.webhook_channel("Support")
    a, b = sio_client(app, member["token"]), sio_client(app, outsider["token"])
    a.get_received(), b.get_received()
    post_webhook(channel_id, secret, message("live-1", "hello there"))
    got = wait_for(a, "message.created")
    assert got["message"]["text"] == "hello there"
    assert got["message"]["sentiment_model"] == "base"  # which model scored it (#21)
    assert got["conversation"]["status"] == "open"
    assert not [p for p in b.get_received() if p["name"] == "message.created"]


def test_online_agent_is_assigned_and_told(app, world, post_webhook):
    agent = world.agent()
    sio = sio_client(app, agent["token"])  # connecting makes the agent online
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1"))
    got = wait_for(sio, "conversation.assigned")
    assert got["assignee_id"] == agent["id"]


def test_no_online_agent_leaves_it_queued_with_a_reason(client, world, post_webhook):
    supervisor = world.agent("supervisor", teams=())
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1"))
    conv = client.get("/api/conversations", headers=supervisor["auth"]).get_json()["conversations"][0]
    assert conv["assignee_id"] is None and conv["queue_reason"]


def test_round_robin_between_online_agents(client, world, post_webhook, clock):
    a, b = world.agent(online=True), world.agent(online=True)
    channel_id, secret = world.webhook_channel("Support")
    for i in range(4):
        clock.advance(seconds=1)
        post_webhook(channel_id, secret, message(f"m{i}", author=f"author{i}"))
    convs = client.get("/api/conversations", headers=a["auth"]).get_json()["conversations"]
    counts = {a["id"]: 0, b["id"]: 0}
    for c in convs:
        counts[c["assignee_id"]] += 1
    assert counts == {a["id"]: 2, b["id"]: 2}


def test_presence_follows_the_socket(app, world, client):
    sup = world.agent("supervisor")
    watcher = sio_client(app, sup["token"])
    agent = world.agent()
    sio = sio_client(app, agent["token"])
    got = wait_for(watcher, "agent.presence", where=lambda e: e["agent_id"] == agent["id"])
    assert got["presence"] == "online"
    sio.disconnect()
    got = wait_for(
        watcher, "agent.presence", where=lambda e: e["agent_id"] == agent["id"] and e["presence"] == "offline"
    )
    assert got["presence"] == "offline"


def test_viewing_and_typing_reach_the_other_agent(app, world, client, post_webhook):
    a, b = world.agent(), world.agent()
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1"))
    cid = client.get("/api/conversations", headers=a["auth"]).get_json()["conversations"][0]["id"]
    sa, sb = sio_client(app, a["token"]), sio_client(app, b["token"])
    assert sa.emit("join_conversation", {"conversation_id": cid}, callback=True)["ok"]
    assert sb.emit("join_conversation", {"conversation_id": cid}, callback=True)["ok"]
    viewing = wait_for(sa, "viewing", where=lambda e: e["agent_id"] == b["id"])
    assert viewing["active"] is True
    sb.emit("typing", {"conversation_id": cid})
    assert wait_for(sa, "typing")["agent_id"] == b["id"]


def test_outsider_cannot_join_a_conversation(app, world, client, post_webhook):
    sup, outsider = world.agent("supervisor"), world.agent(teams=("Billing",))
    channel_id, secret = world.webhook_channel("Support")
    post_webhook(channel_id, secret, message("m1"))
    cid = client.get("/api/conversations", headers=sup["auth"]).get_json()["conversations"][0]["id"]
    so = sio_client(app, outsider["token"])
    assert so.emit("join_conversation", {"conversation_id": cid}, callback=True)["ok"] is False


@pytest.mark.parametrize("payload", [None, {}, {"conversation_id": "1"}, [1]])
def test_bad_socket_payloads_get_clear_answers(app, world, payload):
    agent = world.agent()
    s = sio_client(app, agent["token"])
    assert s.emit("join_conversation", payload, callback=True)["ok"] is False


def test_live_events_carry_what_the_api_shows(app, client, world, post_webhook):
    """The pipeline builds its event payloads from the rows it inserted, not from loaded objects:
    an agent's live view must equal what a reload shows."""
    member = world.agent(online=True)
    channel_id, secret = world.webhook_channel("Support")
    sock = sio_client(app, member["token"])
    sock.get_received()
    post_webhook(
        channel_id,
        secret,
        message(
            "same-1",
            "Still waiting for my refund 😡 <b>now</b>",
            followers=250,
            html="<p>Still <b>waiting</b></p><script>x()</script>",
        ),
    )
    live = wait_for(sock, "message.created")
    shown = client.get(f"/api/conversations/{live['conversation']['id']}", headers=member["auth"]).get_json()
    (stored,) = shown["messages"]
    assert live["message"] == stored
    assert "<script>" not in live["message"]["html"]
    summary = {k: v for k, v in shown.items() if k in live["conversation"]}
    assert live["conversation"] == summary
