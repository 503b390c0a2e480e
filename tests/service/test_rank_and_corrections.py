"""The rank orders what matters first and keeps up with waiting; corrections win over the model."""

from __future__ import annotations

from sqlalchemy import update

import sentiment
from inbox.store.models import Customer
from tests.service.conftest import message


def _convs(client, agent):
    return client.get("/api/conversations", headers=agent["auth"]).get_json()["conversations"]


def test_angry_vip_with_big_audience_outranks_mild_complaint(client, world, post_webhook, inbox):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("mild", "The app is a bit slow today", author="newbie"))
    post_webhook(channel_id, secret, message("vip0", "hello", author="vip"))
    with inbox.unit_of_work() as uow:
        uow.session.execute(update(Customer).where(Customer.name == "User vip").values(vip=True, clv=5000))
    post_webhook(
        channel_id,
        secret,
        message(
            "vip1", "This is unacceptable. Still waiting for my refund!!!", author="vip", followers=120_000
        ),
    )
    ranked = _convs(client, agent)
    assert ranked[0]["customer_name"] == "User vip"
    assert ranked[0]["priority"] > ranked[-1]["priority"]
    reasons = {c["name"]: c for c in ranked[0]["priority_components"]}
    assert reasons["reach"]["contribution"] > 0 and reasons["customer_value"]["contribution"] > 0


def test_long_wait_lifts_a_conversation_over_time(client, world, post_webhook, clock):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("old", "Could you check my order status?", author="patient"))
    clock.advance(minutes=1)
    post_webhook(channel_id, secret, message("new", "Not happy with the colour of the case", author="fresh"))
    ranked = _convs(client, agent)
    assert ranked[0]["customer_name"] == "User fresh"
    client.post(
        f"/api/conversations/{ranked[0]['id']}/replies", json={"text": "Sorry!"}, headers=agent["auth"]
    )
    before = {c["customer_name"]: c["priority"] for c in _convs(client, agent)}
    clock.advance(hours=6)  # the angrier customer was answered; nobody answered the patient one
    after = {c["customer_name"]: c["priority"] for c in _convs(client, agent)}
    assert after["User patient"] > before["User patient"]
    assert _convs(client, agent)[0]["customer_name"] == "User patient"


def test_reply_stops_the_waiting_growth(client, world, post_webhook, clock):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    post_webhook(channel_id, secret, message("m1", "Where is my parcel?"))
    cid = _convs(client, agent)[0]["id"]
    clock.advance(minutes=30)
    client.post(f"/api/conversations/{cid}/replies", json={"text": "Checking"}, headers=agent["auth"])
    frozen = _convs(client, agent)[0]["priority"]
    clock.advance(hours=5)
    assert _convs(client, agent)[0]["priority"] == frozen


def test_correction_wins_and_is_exported(client, world, post_webhook, inbox):
    agent = world.agent()
    channel_id, secret = world.webhook_channel()
    # A message the model does not read as a complaint (the English model now reads "Great, my
    # package is late again. Just great." as negative itself), which this agent knows is one.
    text = "The courier came by at 3 pm and left a note. Just great."
    assert sentiment.score(text).compound > -0.05
    post_webhook(channel_id, secret, message("sarcasm", text))
    conv = _convs(client, agent)[0]
    detail = client.get(f"/api/conversations/{conv['id']}", headers=agent["auth"]).get_json()
    mid = detail["messages"][0]["id"]
    res = client.put(f"/api/messages/{mid}/sentiment", json={"label": "negative"}, headers=agent["auth"])
    assert res.status_code == 200
    after = client.get(f"/api/conversations/{conv['id']}", headers=agent["auth"]).get_json()
    assert after["messages"][0]["sentiment_label"] == "negative"
    assert after["messages"][0]["sentiment_corrected"] is True
    assert after["sentiment"] < 0 and after["priority"] > conv["priority"]
    assert client.get("/api/conversations?sentiment=negative", headers=agent["auth"]).get_json()[
        "conversations"
    ]
    bad = client.put(f"/api/messages/{mid}/sentiment", json={"label": "angry"}, headers=agent["auth"])
    assert bad.status_code == 400
    from inbox.conversations.corrections import export_corrections

    assert export_corrections(inbox).splitlines()[1].endswith(",negative,en")


def test_eval_sentiment_cli_reports_ours_and_raw_vader(tmp_path):
    from click.testing import CliRunner

    from web.cli import main

    data = tmp_path / "labeled.csv"
    data.write_text(
        "text,label\nI love it,positive\nStill waiting for my refund,negative\n退款还没到,negative\n"
    )
    result = CliRunner().invoke(main, ["eval-sentiment", str(data)])
    assert result.exit_code == 0, result.output
    assert "raw vaderSentiment on the same English rows" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("words,label\nhello,positive\n")
    failed = CliRunner().invoke(main, ["eval-sentiment", str(bad)])
    assert failed.exit_code != 0 and "text" in failed.output
