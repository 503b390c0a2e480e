"""The ragged edge of a dashboard period (the partial day up to "now") is counted from its day's
messages read once and kept (`inbox.insights.rollups._edge_terms`) under the month's token and
the ids of the day's pending changes. Every kind of change to that day's messages renews what is
kept: a new message, a sentiment correction, a new time, a new language, a move to a conversation
of another channel, a deletion, and a fold; after each, pending or folded, term counts equal a
recount from the messages, with and without filters. A warm read with nothing changed reads no
text of the day. Both databases."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update

from inbox.conversations.corrections import correct_sentiment
from inbox.insights import rollups
from inbox.insights.dashboard_rollups import month_cache
from inbox.insights.reporting_filters import Filters
from inbox.insights.rollup_fold import terms_of
from inbox.store.models import Conversation, Message
from tests.service.conftest import selects_run_by
from tests.service.test_rollups import T0, _channels, _run

# T0 is 2025-01-30 21:30; "now" is an hour later: the period ends in a partial day (January 30th)
LO, NOW = T0 - timedelta(days=20), T0 + timedelta(hours=1)
FILTERS = (Filters(LO, NOW), Filters(LO, NOW, channel="mastodon"), Filters(LO, NOW, language="th"))


def _recount(inbox: Any, f: Filters) -> Counter:
    want: Counter = Counter()
    with inbox.read() as s:
        q = (
            select(Message.text)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.direction == "in", Message.created_at >= f.start, Message.created_at < f.end)
        )
        if f.channel:
            q = q.where(Conversation.channel == f.channel)
        if f.language:
            q = q.where(Message.language == f.language)
        for t in s.scalars(q):
            want.update(terms_of(t))
    return +want


def _counts(inbox: Any, f: Filters, only: list[str] | None = None) -> Counter:
    with inbox.read() as s:
        rollups.snapshot(s)
        return rollups.term_counts(s, f, f.start, f.end, only=only)


def _check(inbox: Any) -> None:
    for f in FILTERS:
        want = _recount(inbox, f)
        assert _counts(inbox, f) == want, f
        some = sorted(want)[::2]
        assert _counts(inbox, f, some) == +Counter({t: want[t] for t in some}), f


def _in_ids(inbox: Any) -> list[int]:
    with inbox.read() as s:
        return list(s.scalars(select(Message.id).where(Message.direction == "in").order_by(Message.id)))


def _sql(inbox: Any, statement: str, **params: Any) -> None:
    with inbox.unit_of_work() as uow:
        uow.session.execute(text(statement), params)


def _set(inbox: Any, message: int, **values: Any) -> None:
    with inbox.unit_of_work() as uow:  # through the column types (SQLite keeps times as text)
        uow.session.execute(update(Message).where(Message.id == message).values(**values))


def test_every_change_to_the_partial_day_renews_its_kept_texts(database_url, inbox, world):
    month_cache.clear()
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    serial = [0]
    # January 30th before "now", one after it (the same day, outside the period), and earlier days
    items = [(0, 0, 5), (1, 1, 10), (2, 2, 20), (3, 3, 30), (0, 4, 40), (1, 5, 120), (2, 0, -3000)]
    _run(
        inbox, sup["id"], channels, [("ingest", "webhook", items), ("ingest", "mastodon", items[:3])], serial
    )
    rollups.fold(inbox)
    _check(inbox)

    # warm: nothing changed, so the day's texts are not read again (only the pending changes)
    seen = selects_run_by(inbox, lambda: _counts(inbox, FILTERS[0]))
    assert not [q for q, _ in seen if re.search(r"FROM messages JOIN conversations", q)], seen

    def changed_then_folded(change: Any) -> None:
        change()
        _check(inbox)  # pending: the change's id names a new state of the day
        rollups.fold(inbox)
        _check(inbox)  # folded: the month's new token does

    # a new message in the partial day
    changed_then_folded(
        lambda: _run(inbox, sup["id"], channels, [("ingest", "mastodon", [(4, 3, 50)])], serial)
    )
    # a sentiment correction (counted by the triggers, no term changes)
    changed_then_folded(lambda: correct_sentiment(inbox, sup["id"], _in_ids(inbox)[0], "negative"))
    # a message moved in time: out of the period (after now, the same day), then back into it
    moved = _in_ids(inbox)[1]
    changed_then_folded(lambda: _set(inbox, moved, created_at=T0 + timedelta(hours=2)))
    changed_then_folded(lambda: _set(inbox, moved, created_at=T0 + timedelta(minutes=7)))
    # a new language, and a move to a conversation of the other channel
    changed_then_folded(
        lambda: _sql(inbox, "UPDATE messages SET language = 'th' WHERE id = :m", m=_in_ids(inbox)[2])
    )
    with inbox.read() as s:
        other = s.scalar(select(Conversation.id).where(Conversation.channel == "mastodon").limit(1))
    changed_then_folded(
        lambda: _sql(
            inbox, "UPDATE messages SET conversation_id = :c WHERE id = :m", c=other, m=_in_ids(inbox)[3]
        )
    )
    # a deleted message
    changed_then_folded(lambda: _sql(inbox, "DELETE FROM messages WHERE id = :m", m=_in_ids(inbox)[4]))


def test_a_day_without_a_token_is_read_live(database_url, inbox, world):
    """Before any fold into its month a day is never kept: a fresh database's day could name the
    same (no token, the same pending ids) as another's."""
    month_cache.clear()
    sup = world.agent("supervisor", teams=())
    channels = _channels(inbox)
    _run(inbox, sup["id"], channels, [("ingest", "webhook", [(0, 0, 5), (1, 2, 10)])], [0])
    _check(inbox)
    seen = selects_run_by(inbox, lambda: _counts(inbox, FILTERS[0]))
    assert [q for q, _ in seen if re.search(r"FROM messages JOIN conversations", q)], seen
