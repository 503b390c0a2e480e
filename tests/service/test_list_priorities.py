"""The ranked list works out each row's priority at `now` once (`ranked_list.top` hands the
priority it sorted by to the row reader): a second `effective` per row was a tenth of the
list's Python (issue 22). The answer's priorities are still those of each conversation now."""

from __future__ import annotations

from sqlalchemy import select

from inbox.conversations import ranked_list
from inbox.conversations.ranking import effective
from inbox.store.models import Conversation
from tests.service.conftest import message


def test_each_listed_priority_is_worked_out_once(client, world, post_webhook, inbox, monkeypatch):
    supervisor = world.agent("supervisor")
    channel, secret = world.webhook_channel("Support")
    for i in range(4):
        body = {**message(f"p{i}", "Where is my order?", author=f"p{i}"), "thread": f"p{i}"}
        assert post_webhook(channel, secret, body).status_code in (200, 201, 202)
    calls: list[int] = []

    def counted(row, now):  # type: ignore[no-untyped-def]
        calls.append(row.id)
        return effective(row, now)

    monkeypatch.setattr(ranked_list, "effective", counted)
    monkeypatch.setattr("inbox.conversations.listing.effective", counted)
    listed = client.get("/api/conversations", headers=supervisor["auth"]).get_json()["conversations"]
    assert len(listed) == 4
    assert sorted(calls) == sorted(c["id"] for c in listed), calls  # once each, no more

    now = inbox.clock()
    with inbox.read() as s:
        convs = {c.id: c for c in s.scalars(select(Conversation))}
    assert [c["priority"] for c in listed] == [round(effective(convs[c["id"]], now), 2) for c in listed]
    assert [c["priority"] for c in listed] == sorted((c["priority"] for c in listed), reverse=True)
