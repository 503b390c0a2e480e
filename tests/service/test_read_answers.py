"""The list's and a conversation page's JSON, read as plain rows through statements built once,
equal what the ORM objects give through the shared serializers (`conversation_dict`,
`message_dict`), field for field and in the ranked order recounted here, on both databases; and
after `warm_reads` a fresh process compiles none of those reads' statements on first use."""

from __future__ import annotations

import json

from sqlalchemy import event, select
from sqlalchemy.engine.default import CACHE_MISS

from inbox.channels.capabilities import reply_blocked
from inbox.channels.windows import reply_window
from inbox.conversations.ranking import effective
from inbox.conversations.serialize import conversation_dict
from inbox.conversations.thread import messages_of
from inbox.conversations.warm import warm_reads
from inbox.store.models import ChannelAccount, Conversation, ConversationLabel, Customer, RuleRun
from tests.service.conftest import message


def _json(value):
    return json.loads(json.dumps(value))


def _seed(client, world, post_webhook, clock) -> tuple[dict, dict, int]:
    """Conversations in two teams, with labels, an assignee, a note, a reply in the outbox and
    a resolved one; returns a supervisor, an agent of Support and the longest conversation."""
    supervisor, agent = world.agent("supervisor"), world.agent()
    support, support_secret = world.webhook_channel("Support")
    other, other_secret = world.webhook_channel(None)
    texts = [
        "Where is my order?",
        "This is terrible, refund now!",
        "thanks, lovely service",
        "退款 请",
        "ขอบคุณ",
    ]
    for i in range(12):
        channel, secret = (support, support_secret) if i % 3 else (other, other_secret)
        for j in range(1 + i % 4):
            body = message(f"m{i}.{j}", texts[(i + j) % len(texts)], author=f"a{i}", followers=i * 100)
            assert post_webhook(channel, secret, {**body, "thread": f"t{i}"}).status_code in (200, 201, 202)
            clock.advance(minutes=7)
    h = supervisor["auth"]
    convs = client.get(
        "/api/conversations", query_string={"status": "all", "limit": 200}, headers=h
    ).get_json()
    ids = [c["id"] for c in convs["conversations"]]
    assert len(ids) == 12
    client.patch(f"/api/conversations/{ids[0]}", json={"labels": ["billing", "vip"]}, headers=h)
    client.patch(
        f"/api/conversations/{ids[1]}", json={"assignee_id": agent["id"], "labels": ["x"]}, headers=h
    )
    client.patch(f"/api/conversations/{ids[2]}", json={"status": "resolved"}, headers=h)
    client.patch(f"/api/conversations/{ids[3]}", json={"status": "pending"}, headers=h)
    longest = max(convs["conversations"], key=lambda c: c["message_count"])["id"]
    client.post(f"/api/conversations/{longest}/replies", json={"text": "We are on it"}, headers=h)
    client.post(f"/api/conversations/{longest}/replies", json={"text": "a note", "private": True}, headers=h)
    clock.advance(minutes=30)  # some rising, some settled
    return supervisor, agent, longest


def _expected_list(inbox, ids_visible, statuses, limit) -> list[dict]:
    now = inbox.clock()
    with inbox.read() as s:
        convs = [
            c
            for c in s.scalars(select(Conversation).where(Conversation.status.in_(statuses)))
            if ids_visible(c)
        ]
        convs.sort(key=lambda c: (effective(c, now), c.last_message_at, c.id), reverse=True)
        out = []
        for c in convs[:limit]:
            labels = list(
                s.scalars(select(ConversationLabel.label).where(ConversationLabel.conversation_id == c.id))
            )
            d = conversation_dict(c, s.get(Customer, c.customer_id), labels)
            d["priority"] = round(effective(c, now), 2)
            out.append(d)
        return _json(out)


def test_the_ranked_list_is_what_the_orm_objects_give_in_recounted_order(
    client, world, post_webhook, clock, inbox
):
    supervisor, agent, _ = _seed(client, world, post_webhook, clock)
    support = world.team_id("Support")
    cases = [
        (supervisor, {}, lambda c: True, ["open"]),
        (supervisor, {"team": support}, lambda c: c.team_id == support, ["open"]),
        (supervisor, {"status": "all"}, lambda c: True, ["open", "pending", "snoozed", "resolved"]),
        (agent, {}, lambda c: c.team_id == support or c.assignee_id == agent["id"], ["open"]),
        (agent, {"assignee": "me"}, lambda c: c.assignee_id == agent["id"], ["open"]),
        (agent, {"limit": 3}, lambda c: c.team_id == support or c.assignee_id == agent["id"], ["open"]),
    ]
    for who, params, visible, statuses in cases:
        res = client.get("/api/conversations", query_string=params, headers=who["auth"])
        assert res.status_code == 200
        got = res.get_json()["conversations"]
        assert got, params
        assert got == _expected_list(inbox, visible, statuses, params.get("limit", 50)), params


def test_a_conversation_page_is_what_the_orm_objects_give(client, world, post_webhook, clock, inbox):
    supervisor, agent, longest = _seed(client, world, post_webhook, clock)
    for who, limit in ((supervisor, 50), (agent, 2)):
        res = client.get(f"/api/conversations/{longest}", query_string={"limit": limit}, headers=who["auth"])
        assert res.status_code == 200
        got = res.get_json()
        now = inbox.clock()
        with inbox.read() as s:
            conv = s.get(Conversation, longest)
            labels = list(
                s.scalars(select(ConversationLabel.label).where(ConversationLabel.conversation_id == conv.id))
            )
            want = conversation_dict(conv, s.get(Customer, conv.customer_id), labels)
            want["priority"] = round(effective(conv, now), 2)
            everything = messages_of(s, [conv.id])
            channel = s.get(ChannelAccount, conv.channel_account_id)
            want["messages"] = everything[-limit:]
            want["more_before"] = everything[-limit]["id"] if len(everything) > limit else None
            want["reply_blocked"] = reply_blocked(channel)
            want["reply_window"] = reply_window(channel, conv, now)
            runs = s.scalars(select(RuleRun).where(RuleRun.conversation_id == conv.id).order_by(RuleRun.id))
            want["rule_runs"] = [
                {"rule_id": r.rule_id, "rule_name": r.rule_name, "trigger": r.trigger, "matched": r.matched,
                 "actions": r.actions, "at": r.at.isoformat()}
                for r in runs
            ][-50:]  # fmt: skip
        assert len(got["messages"]) == min(limit, len(everything)) and len(everything) >= 4
        assert got == _json(want)


def test_after_warm_reads_the_first_list_and_page_compile_nothing(
    app, client, world, post_webhook, clock, inbox
):
    supervisor, agent, longest = _seed(client, world, post_webhook, clock)
    support = world.team_id("Support")
    # a fresh process: nothing compiled yet (the seeding above compiled through this engine)
    inbox.engine.dispose()
    inbox.engine._compiled_cache.clear()
    warm_reads(inbox)
    missed: list[str] = []

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # (a token's last use is written once a minute, in a write of its own: not the read path)
        noting = "api_tokens.last_used_at" in statement
        if statement.lstrip().upper().startswith("SELECT") and context.cache_hit is CACHE_MISS and not noting:
            missed.append(statement)

    event.listen(inbox.engine, "after_cursor_execute", after)
    try:
        for who in (supervisor, agent):
            for path, params in (
                ("/api/conversations", {}),
                ("/api/conversations", {"team": support}),
                (f"/api/conversations/{longest}", {}),
            ):
                assert client.get(path, query_string=params, headers=who["auth"]).status_code == 200
    finally:
        event.remove(inbox.engine, "after_cursor_execute", after)
    assert missed == [], [" ".join(m.split())[:100] + " ... " + " ".join(m.split())[-200:] for m in missed]
