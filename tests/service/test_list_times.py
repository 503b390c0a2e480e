"""The ranked list writes its times from naive values (`NaiveUTC`, `row_reader(naive_times=True)`):
the text must be byte for byte what the aware value's `isoformat()` gives, as the conversation
page and live events write them, on both databases: whole seconds (no fraction), a fraction, a
fraction of a few microseconds, and no time at all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from inbox.conversations.serialize import conversation_dict
from inbox.store.models import Conversation, Customer
from tests.service.conftest import message

WHOLE = datetime(2026, 3, 1, 9, 30, 0, tzinfo=UTC)
FRACTION = datetime(2026, 3, 1, 9, 30, 1, 123456, tzinfo=UTC)
FEW_MICROS = datetime(2026, 3, 1, 9, 30, 2, 5, tzinfo=UTC)


def test_list_times_are_the_aware_values_isoformat_byte_for_byte(client, world, post_webhook, inbox):
    supervisor = world.agent("supervisor")
    channel, secret = world.webhook_channel("Support")
    for i in range(3):
        assert post_webhook(
            channel, secret, {**message(f"t{i}", "Where is my order?"), "thread": f"t{i}"}
        ).status_code in (200, 201, 202)
    with inbox.unit_of_work() as uow:
        ids = list(uow.session.scalars(select(Conversation.id).order_by(Conversation.id)))
        for cid, at in zip(ids, (WHOLE, FRACTION, FEW_MICROS), strict=True):
            uow.session.execute(
                update(Conversation)
                .where(Conversation.id == cid)
                .values(created_at=at, first_response_at=at, snoozed_until=None, resolved_at=None)
            )
    answer = client.get("/api/conversations", headers=supervisor["auth"])
    assert answer.status_code == 200
    listed = {c["id"]: c for c in answer.get_json()["conversations"]}
    assert sorted(listed) == ids
    texts = {listed[cid]["created_at"] for cid in ids}
    assert texts == {
        "2026-03-01T09:30:00+00:00",
        "2026-03-01T09:30:01.123456+00:00",
        "2026-03-01T09:30:02.000005+00:00",
    }
    with inbox.read() as s:
        for conv in s.scalars(select(Conversation).where(Conversation.id.in_(ids))):
            want = conversation_dict(conv, s.get(Customer, conv.customer_id))
            got = listed[conv.id]
            for field in ("snoozed_until", "last_message_at", "last_customer_message_at", "waiting_since",
                          "first_response_at", "first_response_due_at", "next_response_due_at",
                          "resolution_due_at", "resolved_at", "created_at", "updated_at"):  # fmt: skip
                assert got[field] == want[field], field
            assert got["snoozed_until"] is None and got["first_response_at"] == got["created_at"]
    # and in the bytes of the answer, as the page writes them
    assert b'"created_at":"2026-03-01T09:30:00+00:00"' in answer.data
    assert b'"created_at":"2026-03-01T09:30:02.000005+00:00"' in answer.data
