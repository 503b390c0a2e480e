"""The ingest batch writes back only the conversation columns it changed (SQLite; PostgreSQL keeps
the whole row): whatever the state a thread was in, the stored row must end up exactly as the
batch's working copy, as the full-row UPDATE left it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from connectors.types import Author, InboundMessage
from inbox.ingest import conversations as working
from inbox.ingest import ingest
from inbox.store.models import Conversation

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def msg(
    ext: str, thread: str, text: str = "Where is my parcel? Still waiting, this is awful"
) -> InboundMessage:
    return InboundMessage(
        channel="webhook",
        external_id=ext,
        thread_key=thread,
        author=Author(f"a_{thread}", f"h_{thread}"),
        text=text,
        created_at=T0 + timedelta(seconds=len(ext)),
    )


# Each thread is put in another state before its second message arrives.
STATES: dict[str, dict[str, Any]] = {
    "open": {},
    "resolved": {"status": "resolved", "resolved_at": T0, "waiting_since": None},
    "snoozed": {"status": "snoozed", "snoozed_until": T0 + timedelta(days=1)},
    "pending": {"status": "pending", "first_response_at": T0, "waiting_since": None},
    "manual": {"assigned_manually": True, "team_id": None, "priority": 99.0},
}


def test_each_conversation_stored_as_its_working_copy(inbox, world, monkeypatch):
    world.agent(online=True)
    channel_id, _ = world.webhook_channel()
    ingest(inbox, channel_id, [msg(f"{t}-1", t) for t in STATES])
    with inbox.unit_of_work() as uow:
        for thread, values in STATES.items():
            if values:
                uow.session.execute(
                    update(Conversation).where(Conversation.thread_key == thread).values(**values)
                )

    written: dict[int, tuple[Any, ...]] = {}
    real = working.update_changed

    def watch(s: Any, convs: list[Any], loaded: dict[int, tuple[Any, ...]]) -> None:
        written.update({c.id: working.writable_values(c) for c in convs})
        real(s, convs, loaded)

    monkeypatch.setattr(working, "update_changed", watch)
    ingest(inbox, channel_id, [msg(f"{t}-22", t, "Thanks, that helped a lot!") for t in STATES])

    assert len(written) == len(STATES)
    names = [c for c in working.WRITE_KEYS if c != "_id"]
    with inbox.read() as s:
        rows = s.execute(select(Conversation.id, *(Conversation.__table__.c[n] for n in names))).all()
    stored = {r[0]: tuple(r) for r in rows}
    for conv_id, values in written.items():
        assert dict(zip(working.WRITE_KEYS, stored[conv_id], strict=True)) == dict(
            zip(working.WRITE_KEYS, values, strict=True)
        )
    by_thread = {t: s for t, s in zip(STATES, sorted(written), strict=True)}
    assert stored[by_thread["resolved"]][1] == "open"  # reopened by the customer
    assert stored[by_thread["snoozed"]][1] == "open"
