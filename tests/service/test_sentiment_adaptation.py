"""Agents' corrections on one team change that team's scores after the adaptation job, not another
team's; a rollback brings the old scores back for new messages. Both databases (the fixtures)."""

from __future__ import annotations

from sqlalchemy import select

import sentiment
from inbox.store import settings_cache
from inbox.store.models import Message
from tests.service.conftest import message


def _stored(inbox, ext_id):  # type: ignore[no-untyped-def]
    with inbox.read() as s:
        return s.execute(
            select(Message.sentiment_label, Message.sentiment, Message.sentiment_model).where(
                Message.external_id == ext_id
            )
        ).one()


def _calm(i: int) -> str:
    return f"Ticket {i}: the courier rang at {i % 11 + 1} pm and left a card."


def test_corrections_adapt_one_team_and_rollback_restores(client, world, post_webhook, inbox):
    # tokens for every concern, as the migrations leave them: the team's calibration is then kept
    # between batches (inbox.store.settings_cache), and activating or rolling back must move it
    settings_cache.forget()
    with inbox.engine.begin() as conn:
        settings_cache.seed(conn)
    agent = world.agent(teams=("Support",))
    lead = world.agent(role="supervisor", teams=("Support", "Sales"))
    support_channel, support_secret = world.webhook_channel("Support")
    world.agent(teams=("Sales",))
    sales_channel, sales_secret = world.webhook_channel("Sales")
    support_team = world.team_id("Support")

    # This team reads a courier's card as a failed delivery: negative, where the base says neutral.
    probe = _calm(999)
    assert sentiment.score(probe).label == "neutral"
    happy = "Thanks a lot, order {} arrived early, great service!"
    assert sentiment.score(happy.format(1)).label == "positive"
    texts = [(f"c{i}", _calm(i), "negative") for i in range(45)]
    texts += [(f"h{i}", happy.format(i), "positive") for i in range(20)]
    for ext, text, _ in texts:
        assert post_webhook(support_channel, support_secret, message(ext, text, author=ext)).status_code < 300

    # Too few corrections so far: the job declines and nothing changes.
    url = f"/api/teams/{support_team}/sentiment-model"
    early = client.post(url + "/adapt", headers=lead["auth"]).get_json()
    assert early["outcome"] == "too_few"

    with inbox.read() as s:
        ids = {ext: mid for ext, mid in s.execute(select(Message.external_id, Message.id))}
    for ext, _, label in texts:
        res = client.put(f"/api/messages/{ids[ext]}/sentiment", json={"label": label}, headers=agent["auth"])
        assert res.status_code == 200

    assert client.post(url + "/adapt", headers=agent["auth"]).status_code == 403  # supervisors only
    adapted = client.post(url + "/adapt", headers=lead["auth"]).get_json()
    assert adapted["outcome"] == "activated", adapted
    assert adapted["figures"]["after_macro_f1"] > adapted["figures"]["before_macro_f1"]
    state = client.get(url, headers=lead["auth"]).get_json()
    assert state["in_use"] == f"team{support_team}-v1"
    assert [v["status"] for v in state["versions"]] == ["active"]

    # The same calm text, after the job: negative in the corrected team, unchanged in the other.
    post_webhook(support_channel, support_secret, message("after-support", probe, author="n1"))
    post_webhook(sales_channel, sales_secret, message("after-sales", probe, author="n2"))
    label, compound, model = _stored(inbox, "after-support")
    assert (label, model) == ("negative", f"team{support_team}-v1") and compound < 0
    # The API's message JSON says which model scored each message.
    with inbox.read() as s:
        conv_id = s.scalar(select(Message.conversation_id).where(Message.external_id == "after-support"))
    detail = client.get(f"/api/conversations/{conv_id}", headers=lead["auth"]).get_json()
    shown = {m["external_id"]: m["sentiment_model"] for m in detail["messages"]}
    assert shown["after-support"] == f"team{support_team}-v1"
    base = sentiment.score(probe)
    assert _stored(inbox, "after-sales") == ("neutral", base.compound, "base")
    # Messages scored before the switch keep the model that scored them.
    assert _stored(inbox, "c0")[2] == "base"

    rolled = client.post(url + "/rollback", headers=lead["auth"]).get_json()
    assert rolled == {"team_id": support_team, "rolled_back": f"team{support_team}-v1", "in_use": "base"}
    post_webhook(support_channel, support_secret, message("after-rollback", probe, author="n3"))
    assert _stored(inbox, "after-rollback") == ("neutral", base.compound, "base")
    again = client.post(url + "/rollback", headers=lead["auth"])
    assert again.status_code == 404 and again.get_json()["error"]
    assert client.get("/api/teams/999999/sentiment-model", headers=lead["auth"]).status_code == 404


def test_a_calibration_that_does_not_help_is_not_used(client, world, post_webhook, inbox):
    agent = world.agent(teams=("Support",))
    lead = world.agent(role="supervisor", teams=("Support",))
    channel, secret = world.webhook_channel("Support")
    team = world.team_id("Support")
    # Agents agree with the base scorer: nothing to learn, so the base stays in use.
    texts = [(f"p{i}", f"Thanks a lot, order {i} arrived early, great service!") for i in range(30)]
    texts += [(f"n{i}", f"Order {i} is broken and still no refund, this is unacceptable.") for i in range(30)]
    for ext, text in texts:
        post_webhook(channel, secret, message(ext, text, author=ext))
    with inbox.read() as s:
        rows = list(s.execute(select(Message.id, Message.sentiment_label)))
    for mid, label in rows:
        client.put(f"/api/messages/{mid}/sentiment", json={"label": label}, headers=agent["auth"])
    res = client.post(f"/api/teams/{team}/sentiment-model/adapt", headers=lead["auth"]).get_json()
    assert res["outcome"] == "rejected"
    assert res["figures"]["after_macro_f1"] < res["figures"]["before_macro_f1"] + 0.02
    post_webhook(channel, secret, message("later", "Thanks a lot, order 77 arrived early, great service!"))
    assert _stored(inbox, "later")[2] == "base"

    # The periodic job refits a team only once it has new corrections since its last fitting.
    from inbox.sentiment_models import adapt_all

    assert adapt_all(inbox) == {}
    with inbox.read() as s:
        later_id = s.scalar(select(Message.id).where(Message.external_id == "later"))
    client.put(f"/api/messages/{later_id}/sentiment", json={"label": "positive"}, headers=agent["auth"])
    assert adapt_all(inbox) == {}  # one new correction is not enough
    for i in range(10):
        post_webhook(channel, secret, message(f"more{i}", f"Order {i} is broken, refund me now."))
    with inbox.read() as s:
        fresh = list(s.scalars(select(Message.id).where(Message.external_id.like("more%"))))
    for mid in fresh:
        client.put(f"/api/messages/{mid}/sentiment", json={"label": "negative"}, headers=agent["auth"])
    assert adapt_all(inbox) == {team: "rejected"}
    versions = client.get(f"/api/teams/{team}/sentiment-model", headers=lead["auth"]).get_json()["versions"]
    assert [v["status"] for v in versions] == ["rejected", "rejected"]
    assert versions[0]["figures"]["corrections"] == 71


def test_supervisors_page_lists_teams_and_agents_may_not_open_it(client, world):
    lead = world.agent(role="supervisor", teams=("Support",))
    world.agent(teams=("<b>Night</b> shift",))  # a team name is data, never markup
    html = client.get("/sentiment-model", headers=lead["auth"]).get_data(as_text=True)
    assert 'src="/static/js/sentiment_model.js"' in html and 'id="sm-rollback"' in html
    assert "<b>Night</b>" not in html and "Night" in html
    assert 'href="/sentiment-model"' in html  # in the navigation bar
    assert client.get("/sentiment-model", headers=world.agent()["auth"]).status_code == 403
