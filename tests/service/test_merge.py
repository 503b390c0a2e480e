"""Customer identity merge through HTTP: suggestions with evidence, merge, exact undo, access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from inbox.customers.merge import MOVABLE
from inbox.store.models import Conversation, Customer, Identity, Message, Order, SurveyResponse
from tests.service.conftest import message, sio_client, wait_for


def _post(post_webhook, channel, ext_id, text, author, **who):
    body = message(ext_id, text, author=author)
    body["author"].update(who)
    res = post_webhook(channel[0], channel[1], body)
    assert res.status_code == 200, res.get_json()


def _customer_of(inbox, external_id):
    with inbox.read() as s:
        return s.scalar(select(Identity.customer_id).where(Identity.external_id == external_id))


def _snapshot(inbox, *customer_ids):
    """Every movable row's owner, plus the customers' own fields: what an undo must restore."""
    with inbox.read() as s:
        rows = {
            key: sorted(
                s.execute(
                    select(model.id, model.customer_id).where(model.customer_id.in_(customer_ids))
                ).all()
            )
            for key, model in MOVABLE.items()
        }
        custs = {
            c.id: (c.name, c.email, c.vip, c.attributes, c.merged_into_id, c.last_seen_at)
            for c in s.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
        }
        return rows, custs


@pytest.fixture
def people(world, inbox, post_webhook):
    """Pat on the webhook channel twice (same email, different case; same phone, other format) and on Mastodon."""
    agent = world.agent(teams=("Support",))
    channel = world.webhook_channel("Support")
    _post(
        post_webhook,
        channel,
        "a-1",
        "first question",
        "pat-a",
        handle="pat_w",
        name="Pat W.",
        email="pat@example.com",
        phone="+66 81 234 5678",
    )
    _post(post_webhook, channel, "a-2", "second question", "pat-a", handle="pat_w", name="Pat W.")
    _post(
        post_webhook,
        channel,
        "b-1",
        "hello from my other account",
        "pat-b",
        handle="patricia",
        name="Patricia",
        email=" PAT@Example.com",
        phone="081-234-5678",
    )
    _post(post_webhook, channel, "c-1", "toot", "pat-c-hook", handle="someone_else", name="Other Person")
    _post(post_webhook, channel, "x-1", "unrelated", "zed", handle="zed", name="Zed")
    a, b, c = (_customer_of(inbox, x) for x in ("pat-a", "pat-b", "pat-c-hook"))
    with inbox.unit_of_work() as uow:
        s = uow.session
        # the same handle on another network, with a similar display name
        s.add(
            Identity(
                customer_id=c, channel="mastodon", external_id="m-42", handle="@PAT_W", display_name="Pat W"
            )
        )
        s.add(Order(customer_id=b, external_id="o-1", amount=Decimal("25.00"), ordered_at=inbox.clock()))
        conv_b = s.scalar(select(Conversation.id).where(Conversation.customer_id == b))
        s.add(
            SurveyResponse(
                conversation_id=conv_b, customer_id=b, kind="csat", token="tok-b", sent_at=inbox.clock()
            )
        )
        b_cust = s.get(Customer, b)
        b_cust.vip, b_cust.attributes = True, {"tier": "gold"}
    return {"agent": agent, "channel": channel, "a": a, "b": b, "c": c}


def test_suggestions_carry_evidence_and_confidence(client, people):
    res = client.get(f"/api/customers/{people['a']}/merge-suggestions", headers=people["agent"]["auth"])
    assert res.status_code == 200
    got = {s["customer"]["id"]: s for s in res.get_json()["suggestions"]}
    assert list(got) == [people["b"], people["c"]]  # most confident first; Zed is not suggested
    b = got[people["b"]]
    assert {e["kind"] for e in b["evidence"]} == {"email", "phone"}
    email = next(e for e in b["evidence"] if e["kind"] == "email")
    assert email["value"] == "pat@example.com" and email["weight"] == 0.9
    assert b["confidence"] == pytest.approx(1 - 0.1 * 0.15, abs=1e-3)
    c = got[people["c"]]
    assert [e["kind"] for e in c["evidence"]] == ["handle+name"]
    assert c["confidence"] == pytest.approx(0.7)
    assert "mastodon" in c["evidence"][0]["theirs"]
    assert {i["channel"] for i in c["customer"]["identities"]} == {"webhook", "mastodon"}


def test_merge_then_undo_restores_exactly(app, client, inbox, people):
    auth = people["agent"]["auth"]
    a, b = people["a"], people["b"]
    before = _snapshot(inbox, a, b)
    sio = sio_client(app, people["agent"]["token"])
    sio.get_received()

    res = client.post(f"/api/customers/{a}/merge", json={"other_id": b}, headers=auth)
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["moved"] == {
        "identities": 1,
        "conversations": 1,
        "messages": 1,
        "orders": 1,
        "survey_responses": 1,
    }
    assert body["survivor"]["vip"] is True  # the blank (False) was filled in from the other record
    assert body["survivor"]["attributes"] == {"tier": "gold"}
    moved_conv = before[0]["conversations"][[cid for _, cid in before[0]["conversations"]].index(b)][0]
    event = wait_for(sio, "conversation.updated", where=lambda p: p["conversation"]["id"] == moved_conv)
    assert event["conversation"]["customer_id"] == a

    rows, custs = _snapshot(inbox, a, b)
    assert all(owner == a for key in rows for _, owner in rows[key])
    assert custs[b][4] == a  # merged_into_id
    history = client.get(f"/api/customers/{a}", headers=auth).get_json()
    assert len(history["conversations"]) == 3 and len(history["identities"]) == 2
    assert [c["id"] for c in client.get("/api/search?q=Patricia", headers=auth).get_json()["customers"]] == [
        a
    ]
    merges = client.get(f"/api/customers/{a}/merges", headers=auth).get_json()["merges"]
    assert [m["merge_id"] for m in merges] == [body["merge_id"]] and merges[0]["undone_at"] is None

    undo = client.post(f"/api/merges/{body['merge_id']}/undo", headers=auth)
    assert undo.status_code == 200, undo.get_json()
    assert undo.get_json()["returned"] == body["moved"]
    assert _snapshot(inbox, a, b) == before
    event = wait_for(
        sio,
        "conversation.updated",
        where=lambda p: p["conversation"]["id"] == moved_conv and p["conversation"]["customer_id"] == b,
    )
    again = client.post(f"/api/merges/{body['merge_id']}/undo", headers=auth)
    assert again.status_code == 409


def test_undo_also_returns_what_arrived_through_moved_identities(client, inbox, people, post_webhook):
    auth = people["agent"]["auth"]
    a, b = people["a"], people["b"]
    merge_id = client.post(f"/api/customers/{a}/merge", json={"other_id": b}, headers=auth).get_json()[
        "merge_id"
    ]
    _post(post_webhook, people["channel"], "b-2", "still me, after the merge", "pat-b", handle="patricia")
    with inbox.read() as s:
        new_msg = s.scalar(select(Message).where(Message.external_id == "b-2"))
        assert new_msg.customer_id == a
    client.post(f"/api/merges/{merge_id}/undo", headers=auth)
    rows, _ = _snapshot(inbox, a, b)
    assert (new_msg.conversation_id, b) in rows["conversations"]
    assert (new_msg.id, b) in rows["messages"]


def test_merge_refusals(client, world, inbox, people, post_webhook):
    auth = people["agent"]["auth"]
    a, b, c = people["a"], people["b"], people["c"]
    assert client.post(f"/api/customers/{a}/merge", json={"other_id": a}, headers=auth).status_code == 400
    assert client.post(f"/api/customers/{a}/merge", json={}, headers=auth).status_code == 400
    assert client.post(f"/api/customers/{a}/merge", json={"other_id": 99999}, headers=auth).status_code == 404
    assert client.post("/api/merges/99999/undo", headers=auth).status_code == 404
    assert client.post(f"/api/customers/{a}/merge", json={"other_id": b}, headers=auth).status_code == 200
    res = client.post(f"/api/customers/{c}/merge", json={"other_id": b}, headers=auth)
    assert res.status_code == 409 and "already merged" in res.get_json()["error"]["message"]
    # the merged record is no longer suggested
    sugg = client.get(f"/api/customers/{c}/merge-suggestions", headers=auth).get_json()["suggestions"]
    assert b not in [s["customer"]["id"] for s in sugg]


def test_only_agents_who_see_both_customers_may_merge(client, world, inbox, people, post_webhook):
    outsider = world.agent(teams=("Billing",))
    a, b = people["a"], people["b"]
    res = client.post(f"/api/customers/{a}/merge", json={"other_id": b}, headers=outsider["auth"])
    assert res.status_code == 403
    assert client.get(f"/api/customers/{a}/merge-suggestions", headers=outsider["auth"]).status_code == 403
    # a Billing customer with Pat's email is not suggested to the Support agent, nor mergeable by them
    billing = world.webhook_channel("Billing")
    _post(
        post_webhook,
        billing,
        "bill-1",
        "invoice please",
        "pat-billing",
        handle="pat_bill",
        email="pat@example.com",
    )
    hidden = _customer_of(inbox, "pat-billing")
    auth = people["agent"]["auth"]
    sugg = client.get(f"/api/customers/{a}/merge-suggestions", headers=auth).get_json()["suggestions"]
    assert hidden not in [s["customer"]["id"] for s in sugg]
    assert (
        client.post(f"/api/customers/{a}/merge", json={"other_id": hidden}, headers=auth).status_code == 403
    )
    supervisor = world.agent("supervisor", teams=())
    sugg = client.get(f"/api/customers/{a}/merge-suggestions", headers=supervisor["auth"]).get_json()[
        "suggestions"
    ]
    assert hidden in [s["customer"]["id"] for s in sugg]
    merge = client.post(f"/api/customers/{a}/merge", json={"other_id": b}, headers=auth).get_json()
    assert client.post(f"/api/merges/{merge['merge_id']}/undo", headers=outsider["auth"]).status_code == 403
