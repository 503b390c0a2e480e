"""The settings every ingest batch reads (rules, SLA policies, agents and teams, webhook
subscriptions) are kept between batches and reloaded as soon as any of them changes.

On both databases, through the HTTP API as an admin changes them: a batch after a batch reads
none of those tables again; a change (create, edit, disable, delete, team membership) takes
effect in the very next batch; a change rolled back bumps nothing; presence, which the cache
does not hold, takes effect without invalidating anything. `test_scaled` checks the same across
processes (a change made through one web process, a worker's next drain).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inbox.store import settings_cache
from inbox.store.models import Conversation, ConversationLabel, Rule, WebhookDelivery
from tests.service.conftest import message, selects_run_by

SETTINGS_TABLES = (
    "rules",
    "canned_responses",
    "sla_policies",
    "webhook_subscriptions",
    "agent_teams",
    "teams",
)


@pytest.fixture(autouse=True)
def seeded(inbox):
    """Tokens for every concern, as migration 0011 leaves them (the test's emptied tables have none)."""
    settings_cache.forget()
    with inbox.engine.begin() as conn:
        settings_cache.seed(conn)


def _tables_read(inbox, work) -> set[str]:
    out = set()
    for sql, _ in selects_run_by(inbox, work):
        out.update(t for t in SETTINGS_TABLES if re.search(rf"\bFROM {t}\b|\bJOIN {t}\b", sql))
        if re.search(r"\bFROM agents\b", sql) and "presence" not in sql and "FOR NO KEY UPDATE" not in sql:
            # the roster; the live read (presence, last assignment) and routing's lock on the
            # roster's rows (inbox.conversations.assignment) are expected
            out.add("agents")
    return out


def _tokens(inbox) -> dict[str, str]:
    with inbox.read() as s:
        return settings_cache.tokens(s.connection())


def _labels(inbox, ext_id: str) -> set[str]:
    with inbox.read() as s:
        conv = s.scalar(select(Conversation).where(Conversation.thread_key == f"u-{ext_id}"))
        return set(
            s.scalars(select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv.id))
        )


def _conv(inbox, ext_id: str) -> Conversation:
    with inbox.read() as s:
        return s.scalar(select(Conversation).where(Conversation.thread_key == f"u-{ext_id}"))


def _post(post_webhook, channel, ext_id: str, text: str = "Where is my order?") -> None:
    channel_id, secret = channel
    res = post_webhook(channel_id, secret, message(ext_id, text, author=f"u-{ext_id}", thread=f"u-{ext_id}"))
    assert res.status_code == 200 and res.get_json()["stored"] == 1, res.get_json()


def test_a_batch_after_a_batch_reads_no_settings(inbox, world, post_webhook):
    world.agent(online=True)
    sup = world.agent("supervisor")
    channel = world.webhook_channel()
    _post(post_webhook, channel, "warm")  # loads and keeps them
    assert sup  # the tokens were bumped by creating these, then the first batch loaded
    seen = selects_run_by(inbox, lambda: _post(post_webhook, channel, "second"))
    read = _tables_read(inbox, lambda: _post(post_webhook, channel, "third"))
    assert read == set(), f"read again although nothing changed: {read}"
    # the tokens ride on the channel account's read: no statement of their own
    assert not [sql for sql, _ in seen if sql.lstrip().startswith("SELECT settings_versions")], seen
    assert _conv(inbox, "third").assignee_id is not None  # routing still ran, on live presence


def test_a_rule_created_edited_and_disabled_takes_effect_in_the_next_batch(
    client, inbox, world, post_webhook
):
    sup = world.agent("supervisor")
    channel = world.webhook_channel()
    _post(post_webhook, channel, "before", "refund please")
    assert _labels(inbox, "before") == set()
    rule = {
        "name": "refunds",
        "trigger": "message.created",
        "conditions": [{"field": "message.text", "op": "contains", "value": "refund"}],
        "actions": [{"type": "add_label", "label": "refund"}],
    }
    created = client.post("/api/rules", json=rule, headers=sup["auth"]).get_json()
    assert "rules" in _tables_read(inbox, lambda: _post(post_webhook, channel, "after", "refund please"))
    assert _labels(inbox, "after") == {"refund"}
    edited = {**rule, "actions": [{"type": "add_label", "label": "money"}]}
    assert client.patch(f"/api/rules/{created['id']}", json=edited, headers=sup["auth"]).status_code == 200
    _post(post_webhook, channel, "edited", "refund please")
    assert _labels(inbox, "edited") == {"money"}
    client.patch(f"/api/rules/{created['id']}", json={"enabled": False}, headers=sup["auth"])
    _post(post_webhook, channel, "disabled", "refund please")
    assert _labels(inbox, "disabled") == set()


def test_an_sla_policy_change_takes_effect_in_the_next_batch(client, inbox, world, post_webhook):
    sup = world.agent("supervisor")
    channel = world.webhook_channel()
    _post(post_webhook, channel, "none")
    assert _conv(inbox, "none").first_response_due_at is None
    policy = client.post(
        "/api/sla/policies", json={"name": "fast", "first_response_minutes": 5}, headers=sup["auth"]
    ).get_json()
    _post(post_webhook, channel, "fast")
    assert _conv(inbox, "fast").first_response_due_at is not None
    client.delete(f"/api/sla/policies/{policy['id']}", headers=sup["auth"])
    _post(post_webhook, channel, "gone")
    assert _conv(inbox, "gone").first_response_due_at is None


def test_a_webhook_subscription_takes_effect_in_the_next_batch(client, inbox, world, post_webhook):
    sup = world.agent("supervisor")
    channel = world.webhook_channel()
    _post(post_webhook, channel, "quiet")

    def queued() -> int:
        with inbox.read() as s:
            return len(s.scalars(select(WebhookDelivery.id)).all())

    assert queued() == 0
    url = "http://127.0.0.1:9/hook"
    sub = client.post("/api/webhooks", json={"url": url, "events": ["message.created"]}, headers=sup["auth"])
    assert sub.status_code == 201, sub.get_json()
    _post(post_webhook, channel, "heard")
    assert queued() == 1
    client.delete(f"/api/webhooks/{sub.get_json()['id']}", headers=sup["auth"])
    _post(post_webhook, channel, "quiet-again")
    assert queued() == 1


def test_agents_team_capacity_and_deactivation_take_effect_in_the_next_batch(
    client, inbox, world, post_webhook
):
    admin = world.agent("admin")
    a = world.agent(online=True)
    channel = world.webhook_channel()
    _post(post_webhook, channel, "to-a")
    assert _conv(inbox, "to-a").assignee_id == a["id"]
    other = client.post("/api/admin/teams", json={"name": "Elsewhere"}, headers=admin["auth"]).get_json()
    res = client.patch(
        f"/api/admin/agents/{a['id']}", json={"team_ids": [other["id"]]}, headers=admin["auth"]
    )
    assert res.status_code == 200, res.get_json()
    _post(post_webhook, channel, "left-team")
    assert _conv(inbox, "left-team").assignee_id is None  # nobody of Support now
    client.patch(f"/api/admin/agents/{a['id']}", json={"team_ids": [world.team_id()]}, headers=admin["auth"])
    _post(post_webhook, channel, "back")
    assert _conv(inbox, "back").assignee_id == a["id"]
    client.patch(f"/api/admin/agents/{a['id']}", json={"capacity": 0}, headers=admin["auth"])
    _post(post_webhook, channel, "full")
    assert _conv(inbox, "full").assignee_id is None
    client.patch(
        f"/api/admin/agents/{a['id']}", json={"capacity": 10, "active": False}, headers=admin["auth"]
    )
    _post(post_webhook, channel, "inactive")
    assert _conv(inbox, "inactive").assignee_id is None


def test_presence_is_read_live_and_bumps_nothing(inbox, world, post_webhook):
    from inbox.admin.agents import set_presence

    a = world.agent(online=True)
    channel = world.webhook_channel()
    _post(post_webhook, channel, "online")
    assert _conv(inbox, "online").assignee_id == a["id"]
    before = _tokens(inbox)
    set_presence(inbox, a["id"], "away")
    assert _tokens(inbox) == before
    read = _tables_read(inbox, lambda: _post(post_webhook, channel, "away"))
    assert read == set()
    assert _conv(inbox, "away").assignee_id is None


def test_a_change_rolled_back_leaves_the_token_and_the_copy_as_they_were(inbox, world, post_webhook):
    channel = world.webhook_channel()
    _post(post_webhook, channel, "warm", "refund please")
    before = _tokens(inbox)
    with pytest.raises(RuntimeError), inbox.unit_of_work() as uow:
        uow.session.add(
            Rule(
                name="never",
                trigger="message.created",
                match="all",
                conditions=[{"field": "message.text", "op": "contains", "value": "refund"}],
                actions=[{"type": "add_label", "label": "never"}],
                enabled=True,
                position=0,
            )
        )
        uow.session.flush()
        assert _tokens(inbox) == before  # not visible outside the transaction
        raise RuntimeError("rolled back")
    assert _tokens(inbox) == before
    _post(post_webhook, channel, "after", "refund please")
    assert _labels(inbox, "after") == set()


def test_a_write_in_the_same_transaction_is_seen_by_a_load_after_it(inbox, world):
    from inbox.automation import engine as automation

    with inbox.unit_of_work() as uow:
        before = [r.name for r in automation.load_rules(uow.session, "message.created")]
        uow.session.add(
            Rule(
                name="same transaction",
                trigger="message.created",
                match="all",
                conditions=[],
                actions=[{"type": "add_label", "label": "x"}],
                enabled=True,
                position=999,
            )
        )
        uow.session.flush()
        after = [r.name for r in automation.load_rules(uow.session, "message.created")]
        assert after == [*before, "same transaction"]
